import SluiceCore
import Synchronization

/// The policy in force, swapped atomically on reload. Readers take a snapshot
/// per event, so an open stream follows a new policy from its next event.
public final class PolicyStore: Sendable {
    private let current: Mutex<PolicySet>

    public init(_ policies: PolicySet = .empty) {
        current = Mutex(policies)
    }

    public var snapshot: PolicySet { current.withLock { $0 } }

    public func replace(with policies: PolicySet) {
        current.withLock { $0 = policies }
    }
}
