import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Removes idempotency records older than their 24 hours, in short write
/// transactions of `batch` rows (like retention), so ingest never waits long
/// on the single writer. Expired records are already ignored by ingest;
/// this only keeps the table small.
public struct IdempotencyExpiryService<C: Clock>: Service where C.Duration == Duration {
    let store: any EventStore
    let interval: Duration
    let batch: Int
    let clock: C
    let now: @Sendable () -> Timestamp
    let logger: Logger

    public init(
        store: any EventStore, interval: Duration, batch: Int = 1000, clock: C, now: @escaping @Sendable () -> Timestamp, logger: Logger
    ) {
        self.store = store
        self.interval = interval
        self.batch = batch
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    /// One pass: batches until fewer than `batch` were removed (bounded by
    /// what existed at the start); returns how many records were removed.
    @discardableResult
    public func expireOnce() async throws -> Int {
        let cutoff = Timestamp(milliseconds: now().milliseconds - IdempotencyClaim.lifetimeMilliseconds)
        var removed = 0
        while true {
            let count = try await store.expireIdempotencyKeys(before: cutoff, limit: batch)
            removed += count
            if count < batch { return removed }
        }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelledOrShuttingDown {
                try await clock.sleep(for: interval)
                do {
                    let removed = try await expireOnce()
                    if removed > 0 { logger.debug("expired idempotency keys", metadata: ["count": "\(removed)"]) }
                } catch {
                    logger.error("idempotency expiry failed", metadata: ["error": "\(type(of: error))"])
                }
            }
        }
    }
}
