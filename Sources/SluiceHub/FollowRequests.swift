import SluiceCore
import Synchronization

/// What the `EventFollower` should read next: circles named by a store
/// wake-up, by a gap the hub saw, or by the poll, collected until the
/// follower takes them. Requests made while it reads are merged, and one
/// ring of the bell stands for all of them.
public final class FollowRequests: Sendable {
    private struct Pending: Sendable {
        var circles: Set<CircleID> = []
        var everything = false
    }

    private let pending = Mutex(Pending())
    private let bell: AsyncStream<Void>.Continuation
    /// Yields when something was requested since the last `take()`.
    public let rings: AsyncStream<Void>

    public init() {
        (rings, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for `circles` to be read; nil for every circle the hub follows.
    public func request(_ circles: Set<CircleID>?) {
        pending.withLock { pending in
            if let circles { pending.circles.formUnion(circles) } else { pending.everything = true }
        }
        bell.yield()
    }

    /// Everything requested so far, clearing it: the circles, and whether
    /// every followed circle was asked for.
    public func take() -> (circles: Set<CircleID>, everything: Bool) {
        pending.withLock { pending in
            defer { pending = Pending() }
            return (pending.circles, pending.everything)
        }
    }
}
