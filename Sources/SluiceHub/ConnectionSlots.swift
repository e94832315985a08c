import SluiceCore
import SluiceStore
import Synchronization

/// A share token's `max_connections` counted over every node of a shared
/// store: each stream of a token takes a slot in the store before it is
/// registered and gives it back when it ends. Slots expire unless their node
/// renews them (`ConnectionSlotKeeper`), so a node that vanishes frees its
/// slots within `lifetimeMilliseconds`.
public final class ConnectionSlots: Sendable {
    /// This process's random id, the holder of its slots.
    public let holder: String
    let store: any EventStore
    let now: @Sendable () -> Timestamp
    /// How long a slot lives past its last renewal.
    public static let lifetimeMilliseconds: Int64 = 30_000
    /// Slots whose streams ended, to give back.
    private let releases = Mutex<[Int64]>([])
    private let bell: AsyncStream<Void>.Continuation
    /// Yields when a slot is waiting to be given back.
    let released: AsyncStream<Void>

    public init(store: any EventStore, holder: String, now: @escaping @Sendable () -> Timestamp) {
        self.store = store
        self.holder = holder
        self.now = now
        (released, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Takes one of `maximum` slots of share token `jti`; nil when every one is taken.
    func acquire(jti: String, maximum: Int) async throws -> Int64? {
        let stamp = now()
        return try await store.acquireSlot(
            credential: jti, holder: holder, maximum: maximum, until: stamp.adding(Self.lifetimeMilliseconds), now: stamp)
    }

    /// Queues a slot to be given back (its stream ended; called with locks held, so it never waits).
    func release(_ slot: Int64) {
        releases.withLock { $0.append(slot) }
        bell.yield()
    }

    /// Gives back every queued slot; those the store refuses now stay
    /// queued. A slot leaves the queue only once the store has freed it.
    func giveBack() async {
        let slots = releases.withLock { $0 }
        for slot in slots {
            do {
                try await store.releaseSlot(id: slot)
                releases.withLock { $0.removeAll { $0 == slot } }
            } catch {
                continue
            }
        }
    }

    /// Slots waiting to be given back.
    public var pendingReleases: Int { releases.withLock { $0.count } }

    /// Extends every slot of this node by a lifetime.
    func renew() async throws {
        try await store.renewSlots(holder: holder, until: now().adding(Self.lifetimeMilliseconds))
    }
}
