import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Writes API-key `last_used_at` in batches, one transaction per interval,
/// so authenticating a key never writes to the database. (Keys revoked or
/// rotated anywhere reach the key ring through the change feed.)
public struct KeyUsageService<C: Clock>: Service where C.Duration == Duration {
    let ring: KeyRing
    let store: any EventStore
    let interval: Duration
    let clock: C
    let logger: Logger

    public init(ring: KeyRing, store: any EventStore, interval: Duration, clock: C, logger: Logger) {
        self.ring = ring
        self.store = store
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public func flush() async {
        do {
            try await store.recordKeyUse(ring.takeUsage())
        } catch {
            logger.error("key use write failed", metadata: ["error": "\(type(of: error))"])
        }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelledOrShuttingDown {
                try await clock.sleep(for: interval)
                await flush()
            }
        }
        await flush()
    }
}
