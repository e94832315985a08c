import Synchronization

/// One holder at a time per idempotency scope (circle, credential, key): a
/// retry that arrives while the first request is still committing waits here
/// for it, then finds its recorded answer. Different scopes never wait on
/// each other. The store checks again inside the write transaction, so the
/// gate is what makes retries wait, not what makes them safe.
public final class IdempotencyGate: Sendable {
    /// Scopes held, each with the tasks waiting for it in arrival order.
    private let held = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    /// Runs `body` while holding `scope`.
    public func holding<T: Sendable>(_ scope: String, _ body: () async throws -> T) async throws -> T {
        await acquire(scope)
        defer { release(scope) }
        return try await body()
    }

    private func acquire(_ scope: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let owned = held.withLock { held -> Bool in
                guard held[scope] != nil else {
                    held[scope] = []
                    return true
                }
                held[scope]?.append(continuation)
                return false
            }
            if owned { continuation.resume() }
        }
    }

    /// Hands the scope to the next waiter, or frees it.
    private func release(_ scope: String) {
        let next: CheckedContinuation<Void, Never>? = held.withLock { held in
            guard var waiters = held[scope], !waiters.isEmpty else {
                held[scope] = nil
                return nil
            }
            let first = waiters.removeFirst()
            held[scope] = waiters
            return first
        }
        next?.resume()
    }

    /// Scopes held now, for tests.
    public var heldCount: Int { held.withLock { $0.count } }
}
