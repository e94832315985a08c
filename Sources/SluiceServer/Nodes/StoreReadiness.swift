import Synchronization

/// Whether the shared database answered lately, kept by `ReadinessProbe` so
/// `/readyz` and ingest answer at once instead of waiting on a database
/// that may hang: ready while the last check succeeded within `freshness`.
public final class StoreReadiness: Sendable {
    private struct State: Sendable {
        var lastSuccess: ContinuousClock.Instant?
        var failing = false
    }

    private let state = Mutex(State())
    /// How old the last successful check may be (a check that hangs makes it stale).
    let freshness: Duration

    public init(freshness: Duration = .seconds(3)) {
        self.freshness = freshness
    }

    /// Records a check's result.
    func record(available: Bool, at instant: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.failing = !available
            if available { state.lastSuccess = instant }
        }
    }

    /// Whether the last check failed (the database answered with an error or
    /// not at all): ingest refuses at once instead of queueing for it.
    public var lastCheckFailed: Bool { state.withLock { $0.failing } }

    /// Whether the database answered within `freshness` and has not failed since.
    public var isAvailable: Bool {
        state.withLock { state in
            guard !state.failing, let last = state.lastSuccess else { return false }
            return last.duration(to: .now) <= freshness
        }
    }
}
