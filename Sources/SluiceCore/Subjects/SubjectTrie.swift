/// An index from subject patterns to values, walked token by token, so finding
/// who wants a subject costs the subject's length, not the number of patterns.
/// A value stored under several patterns that match one subject is returned
/// once per pattern; callers that need a set deduplicate.
///
/// Its methods are `@inlinable` so that a caller in another module (the hub,
/// once per opened stream and per new subject) runs them specialized for its
/// `Value`, not through generic witness tables and metadata lookups.
public struct SubjectTrie<Value: Hashable & Sendable>: Sendable {
    @usableFromInline
    final class Node: @unchecked Sendable {
        // Mutated only through the owning SubjectTrie, which copies on write
        // (see `ensureUnique`), so a Node shared between copies is never mutated.
        @usableFromInline var literals: [Substring: Node] = [:]
        @usableFromInline var one: Node?
        @usableFromInline var restValues: Set<Value> = []
        @usableFromInline var endValues: Set<Value> = []

        @inlinable init() {}

        @inlinable
        func copy() -> Node {
            let node = Node()
            node.literals = literals.mapValues { $0.copy() }
            node.one = one?.copy()
            node.restValues = restValues
            node.endValues = endValues
            return node
        }

        @inlinable var isEmpty: Bool { literals.isEmpty && one == nil && restValues.isEmpty && endValues.isEmpty }
    }

    @usableFromInline var root = Node()
    @usableFromInline var storedCount = 0

    /// How many (pattern, value) pairs are stored.
    @inlinable public var count: Int { storedCount }

    @inlinable public init() {}

    @inlinable
    mutating func ensureUnique() {
        if !isKnownUniquelyReferenced(&root) { root = root.copy() }
    }

    @inlinable
    public mutating func insert(_ pattern: SubjectPattern, _ value: Value) {
        ensureUnique()
        var node = root
        for token in pattern.tokens {
            switch token {
            case .literal(let literal):
                let key = Substring(String(literal))
                if let next = node.literals[key] {
                    node = next
                } else {
                    let next = Node()
                    node.literals[key] = next
                    node = next
                }
            case .one:
                if let next = node.one {
                    node = next
                } else {
                    let next = Node()
                    node.one = next
                    node = next
                }
            case .rest:
                if node.restValues.insert(value).inserted { storedCount += 1 }
                return
            }
        }
        if node.endValues.insert(value).inserted { storedCount += 1 }
    }

    @inlinable
    public mutating func remove(_ pattern: SubjectPattern, _ value: Value) {
        ensureUnique()
        if SubjectTrie.remove(pattern.tokens[...], value, from: root) { storedCount -= 1 }
    }

    @inlinable
    static func remove(_ tokens: ArraySlice<SubjectPattern.Token>, _ value: Value, from node: Node) -> Bool {
        guard let first = tokens.first else { return node.endValues.remove(value) != nil }
        let rest = tokens.dropFirst()
        switch first {
        case .rest:
            return node.restValues.remove(value) != nil
        case .one:
            guard let child = node.one else { return false }
            let removed = remove(rest, value, from: child)
            if child.isEmpty { node.one = nil }
            return removed
        case .literal(let literal):
            guard let child = node.literals[literal] else { return false }
            let removed = remove(rest, value, from: child)
            if child.isEmpty { node.literals[literal] = nil }
            return removed
        }
    }

    /// Calls `body` for each value whose pattern matches `subject`.
    @inlinable
    public func forEachMatch(_ subject: Subject, _ body: (Value) -> Void) {
        SubjectTrie.visit(subject.tokens[...], root, body)
    }

    @inlinable
    static func visit(_ tokens: ArraySlice<Substring>, _ node: Node, _ body: (Value) -> Void) {
        guard let first = tokens.first else {
            for v in node.endValues { body(v) }
            return
        }
        for v in node.restValues { body(v) }
        let rest = tokens.dropFirst()
        if let child = node.literals[first] { visit(rest, child, body) }
        if let child = node.one { visit(rest, child, body) }
    }

    /// The distinct values whose patterns match `subject`.
    @inlinable
    public func matches(_ subject: Subject) -> Set<Value> {
        var result = Set<Value>()
        forEachMatch(subject) { result.insert($0) }
        return result
    }
}
