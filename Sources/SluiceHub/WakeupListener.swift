import Logging
import SluiceStore

/// Listens to a shared store's wake-ups for as long as the task runs. When
/// the stream ends (the database went away, the listening connection
/// dropped) it reports `.everything`, since wake-ups may have been lost,
/// and listens again after a backoff growing to `maximumBackoff`.
public struct WakeupListener<C: Clock>: Sendable where C.Duration == Duration {
    let store: any EventStore
    let clock: C
    let logger: Logger
    var initialBackoff: Duration = .milliseconds(250)
    var maximumBackoff: Duration = .seconds(5)

    public init(store: any EventStore, clock: C, logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Calls `handle` for every wake-up until cancelled. Returns at once on
    /// an engine without wake-ups (SQLite).
    public func listen(_ handle: @Sendable (StoreWakeup) -> Void) async {
        guard store.isShared else { return }
        var backoff = initialBackoff
        while !Task.isCancelledOrShuttingDown {
            var woken = false
            for await wakeup in store.wakeups() {
                woken = true
                backoff = initialBackoff
                handle(wakeup)
            }
            if Task.isCancelledOrShuttingDown { return }
            handle(.everything)
            if !woken { logger.debug("store wake-ups ended; listening again", metadata: ["backoff": "\(backoff)"]) }
            do { try await clock.sleep(for: backoff) } catch { return }
            backoff = min(backoff * 2, maximumBackoff)
        }
    }
}
