import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Retention per circle (max events, max age), applied in the background in
/// short write transactions of its own, so ingest is never blocked for long.
/// On a shared store it runs on one node at a time: a pass runs only while
/// this node holds the `retention` lease, renewed each pass.
public struct RetentionService<C: Clock>: Service where C.Duration == Duration {
    let store: any EventStore
    let maximumEvents: Int?
    let maximumAge: Duration?
    let interval: Duration
    let clock: C
    let now: @Sendable () -> Timestamp
    let logger: Logger
    /// The lease a pass needs (a shared store); nil on SQLite's one node.
    let lease: NodeLease?

    /// `holder` is this node's id; with a shared store, passes then need the
    /// `retention` lease, which lives for two intervals (at least 30 s).
    public init(
        store: any EventStore, maximumEvents: Int?, maximumAge: Duration?, interval: Duration, clock: C,
        now: @escaping @Sendable () -> Timestamp, logger: Logger, holder: String? = nil
    ) {
        if let holder, store.isShared {
            let lifetime = max(30_000, 2 * (interval.components.seconds &* 1000 &+ interval.components.attoseconds / 1_000_000_000_000_000))
            self.lease = NodeLease(name: "retention", holder: holder, lifetimeMilliseconds: lifetime, store: store, now: now)
        } else {
            self.lease = nil
        }
        self.store = store
        self.maximumEvents = maximumEvents
        self.maximumAge = maximumAge
        self.interval = interval
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    /// One pass over every circle; returns how many events were removed.
    @discardableResult
    public func applyOnce() async throws -> Int {
        var removed = 0
        let cutoff = maximumAge.map { age in Timestamp(milliseconds: Self.cutoff(now: now().milliseconds, age: age)) }
        for circle in try await store.circles() {
            removed += try await store.trim(circle.id, maxEvents: maximumEvents, olderThan: cutoff)
        }
        return removed
    }

    /// `now` minus `age` in milliseconds, saturating: an age of centuries
    /// keeps everything rather than trapping.
    static func cutoff(now: Int64, age: Duration) -> Int64 {
        let (seconds, overflow) = age.components.seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return Int64.min }
        let total = seconds.addingReportingOverflow(age.components.attoseconds / 1_000_000_000_000_000)
        guard !total.overflow else { return Int64.min }
        let cutoff = now.subtractingReportingOverflow(total.partialValue)
        return cutoff.overflow ? Int64.min : cutoff.partialValue
    }

    public func run() async throws {
        // Retention off: the service still runs until shutdown, because a
        // service that returns ends the whole group.
        guard maximumEvents != nil || maximumAge != nil else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelledOrShuttingDown {
                try await clock.sleep(for: interval)
                if let lease, (try? await lease.hold()) != true { continue }
                await applyLogged()
            }
        }
        await lease?.release()
    }

    private func applyLogged() async {
        do {
            let removed = try await applyOnce()
            if removed > 0 { logger.debug("retention removed events", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.error("retention pass failed", metadata: ["error": "\(type(of: error))"])
        }
    }
}
