/// A compiled set of field paths (`payload.output.total`, `actor.*`, `**`):
/// dot-separated keys where `*` matches any one key and `**` any number of
/// keys, zero included. Compiled once per face into an automaton whose states
/// are (path, position) pairs; redaction walks it once per event per face.
public struct FieldSelector: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case key(String)
        case anyKey
        case anyDepth
    }

    let paths: [[Step]]
    /// The source strings, for display.
    public let sources: [String]

    /// A position in the automaton: path index and step index.
    struct State: Hashable {
        let path: Int
        let step: Int
    }

    /// Parses paths; returns the first invalid one as the error.
    public init(_ sources: [String]) throws(SluiceError) {
        var paths: [[Step]] = []
        for source in sources {
            let parts = source.split(separator: ".", omittingEmptySubsequences: false)
            guard !source.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
                throw .invalidPolicy("field path '\(source)' has an empty key")
            }
            paths.append(
                parts.map { part in
                    switch part {
                    case "*": return .anyKey
                    case "**": return .anyDepth
                    default: return .key(String(part))
                    }
                })
        }
        self.paths = paths
        self.sources = sources
    }

    /// The start states, closed over `**` matching zero keys.
    var initial: [State] { closure(paths.indices.map { State(path: $0, step: 0) }) }

    func closure(_ states: [State]) -> [State] {
        var result: [State] = []
        var pending = states
        while let state = pending.popLast() {
            if result.contains(state) { continue }
            result.append(state)
            let steps = paths[state.path]
            if state.step < steps.count, steps[state.step] == .anyDepth {
                pending.append(State(path: state.path, step: state.step + 1))
            }
        }
        return result
    }

    /// True when some state has consumed its whole path: the subtree is kept.
    func accepts(_ states: [State]) -> Bool {
        states.contains { $0.step == paths[$0.path].count }
    }

    /// The states after reading `key`.
    func advance(_ states: [State], key: String) -> [State] {
        var next: [State] = []
        for state in states {
            let steps = paths[state.path]
            guard state.step < steps.count else { continue }
            switch steps[state.step] {
            case .key(let k) where k == key: next.append(State(path: state.path, step: state.step + 1))
            case .key: break
            case .anyKey: next.append(State(path: state.path, step: state.step + 1))
            case .anyDepth: next.append(state)
            }
        }
        return closure(next)
    }

    /// Keeps the parts of `value` the paths allow, starting from `states`.
    /// Returns nil when nothing of `value` survives; sets `removed` when a key
    /// or an array element inside `value` was dropped (the caller accounts for
    /// `value` itself).
    func filter(_ value: JSONValue, states: [State], removed: inout Bool) -> JSONValue? {
        if accepts(states) { return value }
        if states.isEmpty { return nil }
        switch value {
        case .object(let members):
            var kept: [(String, JSONValue)] = []
            for (key, child) in members {
                if let survivor = filter(child, states: advance(states, key: key), removed: &removed) {
                    kept.append((key, survivor))
                } else {
                    removed = true
                }
            }
            return kept.isEmpty ? nil : .object(kept)
        case .array(let elements):
            // Arrays are transparent: every element is read with the same states.
            var kept: [JSONValue] = []
            for element in elements {
                if let survivor = filter(element, states: states, removed: &removed) {
                    kept.append(survivor)
                } else {
                    removed = true
                }
            }
            return kept.isEmpty ? nil : .array(kept)
        default:
            return nil
        }
    }
}
