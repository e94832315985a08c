extension FieldSelector {
    /// Most automaton state sets explored for one path before giving up
    /// (undecided counts as not covered).
    static let coveringBudget = 4096

    /// Whether every field `other` keeps, this selector keeps too. A kept
    /// path keeps its whole subtree, so a path of `other` is covered when
    /// every key sequence it matches has a prefix this selector matches.
    /// Decided by running this selector's automaton over the other path's
    /// steps, with `*` and `**` read as every key this selector names plus
    /// one key it does not.
    public func covers(_ other: FieldSelector) -> Bool {
        other.paths.allSatisfy { covers(path: $0) }
    }

    func covers(path: [Step]) -> Bool {
        var literals: [String] = []
        for steps in paths {
            for case .key(let key) in steps where !literals.contains(key) { literals.append(key) }
        }
        var fresh = "\u{1}"
        while literals.contains(fresh) { fresh += "\u{1}" }
        let symbols = literals + [fresh]
        let start = initial
        if accepts(start) { return true }
        // The state sets reached so far along key sequences that no path of
        // this selector has matched a prefix of.
        var frontier: Set<Set<State>> = [Set(start)]
        var explored = 0
        for step in path {
            var next = Set<Set<State>>()
            switch step {
            case .key(let key):
                for states in frontier {
                    let after = advance(Array(states), key: key)
                    if !accepts(after) { next.insert(Set(after)) }
                }
            case .anyKey:
                for states in frontier {
                    for symbol in symbols {
                        let after = advance(Array(states), key: symbol)
                        if !accepts(after) { next.insert(Set(after)) }
                    }
                }
            case .anyDepth:
                // Zero or more keys: everything reachable from the frontier.
                next = frontier
                var pending = Array(frontier)
                while let states = pending.popLast() {
                    explored += 1
                    if explored > FieldSelector.coveringBudget { return false }
                    for symbol in symbols {
                        let after = advance(Array(states), key: symbol)
                        if !accepts(after), next.insert(Set(after)).inserted { pending.append(Set(after)) }
                    }
                }
            }
            frontier = next
            if frontier.isEmpty { return true }
            explored += frontier.count
            if explored > FieldSelector.coveringBudget { return false }
        }
        return frontier.isEmpty
    }
}
