import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Retention per circle (max events, max age), applied in the background in
/// short write transactions of its own, so ingest is never blocked for long.
public struct RetentionService<C: Clock>: Service where C.Duration == Duration {
    let store: any EventStore
    let maximumEvents: Int?
    let maximumAge: Duration?
    let interval: Duration
    let clock: C
    let now: @Sendable () -> Timestamp
    let logger: Logger

    public init(
        store: any EventStore, maximumEvents: Int?, maximumAge: Duration?, interval: Duration, clock: C,
        now: @escaping @Sendable () -> Timestamp, logger: Logger
    ) {
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
        let cutoff = maximumAge.map { age in
            Timestamp(milliseconds: now().milliseconds - age.components.seconds * 1000 - age.components.attoseconds / 1_000_000_000_000_000)
        }
        for circle in try await store.circles() {
            removed += try await store.trim(circle.id, maxEvents: maximumEvents, olderThan: cutoff)
        }
        return removed
    }

    public func run() async throws {
        guard maximumEvents != nil || maximumAge != nil else { return }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelledOrShuttingDown {
                try await clock.sleep(for: interval)
                await applyLogged()
            }
        }
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
