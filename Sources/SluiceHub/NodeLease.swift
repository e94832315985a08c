import SluiceCore
import SluiceStore

/// A job that must run on one node at a time (retention, one webhook
/// subscription's deliveries), held as a lease in the shared store: taken or
/// renewed before each turn, expiring `lifetimeMilliseconds` after the last
/// renewal, so another node takes over when the holder dies.
public struct NodeLease: Sendable {
    public let name: String
    public let holder: String
    let store: any EventStore
    let lifetimeMilliseconds: Int64
    let now: @Sendable () -> Timestamp

    public init(name: String, holder: String, lifetimeMilliseconds: Int64, store: any EventStore, now: @escaping @Sendable () -> Timestamp) {
        self.name = name
        self.holder = holder
        self.store = store
        self.lifetimeMilliseconds = lifetimeMilliseconds
        self.now = now
    }

    /// Takes or renews the lease; false when another node holds it. Throws
    /// when the store cannot say (then nobody here runs the job this turn).
    public func hold() async throws -> Bool {
        let stamp = now()
        return try await store.acquireLease(name, holder: holder, until: stamp.adding(lifetimeMilliseconds), now: stamp)
    }

    /// Gives the lease up (shutdown), so another node need not wait for it to expire.
    public func release() async {
        try? await store.releaseLease(name, holder: holder)
    }
}
