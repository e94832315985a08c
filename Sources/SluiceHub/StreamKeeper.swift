import Foundation
import ServiceLifecycle
import SluiceCore

/// The hub's clockwork as one service: heartbeats on every open stream at the
/// configured interval, and every `sweepInterval` the streams whose
/// credential has expired are closed. On shutdown it closes every stream.
/// Time comes from an injected clock so tests never sleep for long.
public struct StreamKeeper<C: Clock>: Service where C.Duration == Duration {
    let hub: Hub
    let heartbeat: Duration
    let sweepInterval: Duration
    let clock: C
    let now: @Sendable () -> Date

    public init(hub: Hub, heartbeat: Duration, sweepInterval: Duration = .milliseconds(200), clock: C, now: @escaping @Sendable () -> Date) {
        self.hub = hub
        self.heartbeat = heartbeat
        self.sweepInterval = sweepInterval
        self.clock = clock
        self.now = now
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            var sinceHeartbeat = Duration.zero
            while !Task.isCancelledOrShuttingDown {
                let step = min(sweepInterval, heartbeat)
                do { try await clock.sleep(for: step) } catch { break }
                hub.tick(now: now())
                sinceHeartbeat += step
                if sinceHeartbeat >= heartbeat {
                    sinceHeartbeat = .zero
                    hub.heartbeat()
                }
            }
        } onGracefulShutdown: {
            hub.closeAll()
        }
        hub.closeAll()
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether a service loop should stop: cancelled, or the group is shutting down.
    public static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
