import Logging
import ServiceLifecycle
import SluiceCore
import SluiceHub
import SluiceStore

/// Writes API-key `last_used_at` in batches and refreshes the key ring from
/// the database (so keys revoked by the offline CLI stop working, and their
/// streams close, within one interval).
public struct KeyUsageService<C: Clock>: Service where C.Duration == Duration {
    let ring: KeyRing
    let store: any EventStore
    let hub: Hub
    let interval: Duration
    let clock: C
    let logger: Logger

    public init(ring: KeyRing, store: any EventStore, hub: Hub, interval: Duration, clock: C, logger: Logger) {
        self.ring = ring
        self.store = store
        self.hub = hub
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public func flushAndRefresh() async {
        do {
            try await store.recordKeyUse(ring.takeUsage())
            let generation = ring.generation
            let gone = ring.replaceAll(with: try await store.activeKeys(), takenAt: generation)
            for id in gone { hub.close(credential: .apiKey(id: id)) }
        } catch {
            logger.error("key refresh failed", metadata: ["error": "\(type(of: error))"])
        }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelledOrShuttingDown {
                try await clock.sleep(for: interval)
                await flushAndRefresh()
            }
        }
        try? await store.recordKeyUse(ring.takeUsage())
    }
}
