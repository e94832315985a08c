import Logging
import ServiceLifecycle
import SluiceStore

/// Asks the shared database whether it answers, every `interval`, and keeps
/// the answer in `StoreReadiness`. A failure is logged once per outage and
/// never ends the service: the node keeps running and reports 503 until the
/// database is back. Without a shared store it only waits for shutdown
/// (SQLite's `/readyz` asks the store directly, as before).
struct ReadinessProbe<C: Clock>: Service where C.Duration == Duration {
    let store: any EventStore
    let readiness: StoreReadiness
    let interval: Duration
    let clock: C
    let logger: Logger

    func run() async throws {
        guard store.isShared else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            var wasAvailable = true
            while !Task.isCancelledOrShuttingDown {
                let available: Bool
                do {
                    try await store.checkAvailable()
                    available = true
                } catch {
                    available = false
                }
                readiness.record(available: available)
                if available != wasAvailable {
                    if available {
                        logger.notice("the database is reachable again")
                    } else {
                        logger.error("the database is not reachable")
                    }
                    wasAvailable = available
                }
                try await clock.sleep(for: interval)
            }
        }
    }
}
