import Logging
import ServiceLifecycle
import SluiceCore
import SluiceHub
import UnixSignals

/// Reloads the policy folder when it changes (polled) or on SIGHUP, swapping
/// the set atomically. A folder that fails to load keeps the old policy in
/// force; the failure is logged and counted.
public struct PolicyWatcher<C: Clock>: Service where C.Duration == Duration {
    let directory: String
    let store: PolicyStore
    let interval: Duration
    let clock: C
    let logger: Logger
    let metrics: SluiceMetrics

    public init(directory: String, store: PolicyStore, interval: Duration, clock: C, logger: Logger, metrics: SluiceMetrics) {
        self.directory = directory
        self.store = store
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// Loads the folder now; returns whether the new set is in force.
    @discardableResult
    public func reload() -> Bool {
        do {
            let set = try PolicyLoader.load(directory: directory)
            store.replace(with: set)
            metrics.policyReloads.increment()
            logger.info("policies loaded", metadata: ["files": "\(set.sources.count)"])
            return true
        } catch {
            metrics.policyReloadFailures.increment()
            logger.error("policy refused; the previous policy stays in force", metadata: ["reason": "\(error.detail)"])
            return false
        }
    }

    public func run() async throws {
        let last = PolicyLoader.fingerprint(directory: directory)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    if Task.isCancelledOrShuttingDown { break }
                    reload()
                }
            }
            group.addTask {
                var fingerprint = last
                while !Task.isCancelledOrShuttingDown {
                    do { try await clock.sleep(for: interval) } catch { break }
                    let now = PolicyLoader.fingerprint(directory: directory)
                    if now != fingerprint {
                        fingerprint = now
                        reload()
                    }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
