import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Reloads every circle's limit overrides from the store each `interval`,
/// so a change made offline (`sluice circles limits` on the database) reaches
/// a running gateway within that time. The table holds one small row per
/// circle with an override, so a poll is one cheap read.
public struct CircleLimitsWatcher<C: Clock>: Service where C.Duration == Duration {
    let store: any EventStore
    let limits: CircleLimits
    let interval: Duration
    let clock: C
    let logger: Logger

    public init(store: any EventStore, limits: CircleLimits, interval: Duration, clock: C, logger: Logger) {
        self.store = store
        self.limits = limits
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public func reloadOnce() async throws {
        limits.replaceOverrides(try await store.circleLimits())
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelledOrShuttingDown {
                try await clock.sleep(for: interval)
                do { try await reloadOnce() } catch {
                    logger.error("reloading circle limits failed", metadata: ["error": "\(type(of: error))"])
                }
            }
        }
    }
}
