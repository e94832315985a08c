import Synchronization

/// Keeps pipelined ingest requests in their order on the connection while
/// they are answered together: a request starts only once the one before it
/// has been queued for its commit (or has ended without one), so their
/// events get sequences in the order they were sent.
final class IngestTurn: Sendable {
    private struct State {
        var passed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// The request this turn belongs to is queued or done; idempotent.
    func pass() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.passed else { return [] }
            state.passed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `pass()` was called.
    func reached() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let passed = state.withLock { state -> Bool in
                if state.passed { return true }
                state.waiters.append(continuation)
                return false
            }
            if passed { continuation.resume() }
        }
    }
}
