import Foundation
import Logging
import PostgresNIO
import SluiceStore

/// The one connection per store that LISTENs for wake-ups, outside the pool.
/// When it is lost (the database restarted, the backend was terminated) it
/// connects again with backoff and, listening again, yields
/// `StoreWakeup.everything` once: whatever was committed meanwhile is read.
/// Runs until its task is cancelled (the store's shutdown).
struct WakeupListener: Sendable {
    let configuration: PostgresConnection.Configuration
    let hub: WakeupHub
    let logger: Logger

    func run() async {
        var failures = 0
        var listenedBefore = false
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                do {
                    try await connection.listen(on: PostgresEventStore.channel) { notifications in
                        if listenedBefore { hub.broadcast(.everything) }
                        listenedBefore = true
                        failures = 0
                        for try await notification in notifications { hub.broadcast(WakeupPayload.decode(notification.payload)) }
                    }
                } catch {
                    logger.debug("wake-up listener lost its connection")
                }
                try? await connection.close()
            } catch {
                logger.debug("wake-up listener cannot connect")
            }
            guard !Task.isCancelled else { return }
            failures += 1
            // 0.1 s, doubling, at most 5 s between attempts.
            let delay = min(5_000, 100 << min(failures - 1, 6))
            try? await Task.sleep(for: .milliseconds(delay))
        }
    }
}
