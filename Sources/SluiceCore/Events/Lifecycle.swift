/// Where one invocation stands in its lifecycle: `started` first, any number
/// of `progress`, exactly one terminal, nothing after it.
public enum InvocationPhase: String, Sendable, Hashable {
    case open
    case terminated
}

/// The lifecycle contract of section 3 as a pure state machine.
public enum Lifecycle {
    public static let kinds: Set<String> = ["started", "progress", "completed", "failed", "cancelled"]
    public static let terminalKinds: Set<String> = ["completed", "failed", "cancelled"]

    /// The phase after an event of `kind`, or the rule it breaks.
    public static func next(after phase: InvocationPhase?, kind: String, invocation: String) throws(SluiceError) -> InvocationPhase {
        guard kinds.contains(kind) else {
            throw .lifecycleViolation("invocation '\(invocation)': kind '\(kind)' is not one of started, progress, completed, failed, cancelled")
        }
        switch (phase, kind) {
        case (nil, "started"): return .open
        case (nil, _): throw .lifecycleViolation("invocation '\(invocation)': the first event must be 'started', not '\(kind)'")
        case (.open, "started"): throw .lifecycleViolation("invocation '\(invocation)': exactly one 'started' is allowed")
        case (.open, "progress"): return .open
        case (.open, _): return .terminated
        case (.terminated, _): throw .lifecycleViolation("invocation '\(invocation)': nothing may follow a terminal event")
        }
    }

    /// Checks a batch against the phases already stored (`known`), returning
    /// the phases to store. Throws on the first broken rule; nothing is applied.
    public static func apply(
        _ events: [EventInput], known: [String: InvocationPhase]
    ) throws(SluiceError) -> [String: InvocationPhase] {
        var phases: [String: InvocationPhase] = [:]
        for event in events {
            guard let id = event.invocationID else { continue }
            let current = phases[id] ?? known[id]
            phases[id] = try next(after: current, kind: event.kind, invocation: id)
        }
        return phases
    }
}
