import Logging
import ServiceLifecycle
import SluiceCore
import SluiceHub
import SluiceStore

/// Follows the store's change feed: every `interval` (at most half a second,
/// so an offline change is in force within the contract's 2 s), and on a
/// shared store at every wake-up announcing a change from any node, it
/// applies what changed to every cache; once an hour it trims changes older
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
        await cancelWhenGracefulShutdown {
            // One bell for the poll and the store's wake-ups: a change made
            // on another node is read as soon as its commit is announced.
            let (rings, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelledOrShuttingDown {
                        do { try await clock.sleep(for: interval) } catch { break }
                        bell.yield()
                    }
                    bell.finish()
                }
                group.addTask {
                    await WakeupListener(store: store, clock: clock, logger: logger).listen { wakeup in
                        if wakeup.changes { bell.yield() }
                    }
                }
                var lastTrim = clock.now
                for await _ in rings {
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
                group.cancelAll()
            }
        }
    }
}
