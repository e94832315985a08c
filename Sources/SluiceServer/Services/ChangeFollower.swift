import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Follows the store's change feed: every `interval` (at most half a second,
/// so an offline change is in force within the contract's 2 s) it applies
/// what changed to every cache, and once an hour it trims changes older
/// than a day.
public struct ChangeFollower<C: Clock>: Service where C.Duration == Duration {
    let feed: ChangeFeed
    let store: any EventStore
    let interval: Duration
    let clock: C
    let now: @Sendable () -> Timestamp
    let logger: Logger
    static var trimEvery: Int { 3600 }
    static var keepMilliseconds: Int64 { 86_400_000 }

    public init(
        feed: ChangeFeed, store: any EventStore, interval: Duration, clock: C, now: @escaping @Sendable () -> Timestamp, logger: Logger
    ) {
        self.feed = feed
        self.store = store
        self.interval = interval
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastTrim = clock.now
            while !Task.isCancelledOrShuttingDown {
                try await clock.sleep(for: interval)
                do {
                    try await feed.catchUp()
                    if lastTrim.duration(to: clock.now) > .seconds(ChangeFollower.trimEvery) {
                        lastTrim = clock.now
                        _ = try await store.trimChanges(before: Timestamp(milliseconds: now().milliseconds - ChangeFollower.keepMilliseconds))
                    }
                } catch {
                    logger.error("change feed read failed", metadata: ["error": "\(type(of: error))"])
                }
            }
        }
    }
}
