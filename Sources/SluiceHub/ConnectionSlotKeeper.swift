import Logging
import ServiceLifecycle
import SluiceCore

/// Keeps this node's connection slots alive in the shared store: renews
/// them every `renewal` (a third of their lifetime, so one missed renewal
/// loses nothing) and gives back the slots of ended streams as soon as they
/// end. A store error is logged and retried on the next turn; a node that
/// vanishes simply stops renewing, and its slots expire.
public struct ConnectionSlotKeeper<C: Clock>: Service where C.Duration == Duration {
    let slots: ConnectionSlots
    let renewal: Duration
    let clock: C
    let logger: Logger

    public init(slots: ConnectionSlots, renewal: Duration = .seconds(10), clock: C, logger: Logger) {
        self.slots = slots
        self.renewal = renewal
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in slots.released { await slots.giveBack() }
                }
                while !Task.isCancelledOrShuttingDown {
                    do { try await clock.sleep(for: renewal) } catch { break }
                    do {
                        try await slots.renew()
                    } catch {
                        logger.warning("renewing connection slots failed", metadata: ["error": "\(type(of: error))"])
                    }
                    // Slots the store refused to free before are tried again.
                    if slots.pendingReleases > 0 { await slots.giveBack() }
                }
                group.cancelAll()
            }
        }
        await slots.giveBack()
    }
}
