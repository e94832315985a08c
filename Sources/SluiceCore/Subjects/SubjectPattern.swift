/// A NATS-style subject filter: `*` matches exactly one token, `>` (last token
/// only) matches one or more.
public struct SubjectPattern: Hashable, Sendable, CustomStringConvertible {
    public enum Token: Hashable, Sendable {
        case literal(Substring)
        case one
        case rest
    }

    public let rawValue: String
    public let tokens: [Token]

    /// The pattern that matches every subject.
    public static let all = SubjectPattern(">")!

    public init?(_ rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= Subject.maximumBytes else { return nil }
        let parts = rawValue.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= Subject.maximumTokens else { return nil }
        var tokens: [Token] = []
        for (i, part) in parts.enumerated() {
            if part == "*" {
                tokens.append(.one)
            } else if part == ">" {
                guard i == parts.count - 1 else { return nil }
                tokens.append(.rest)
            } else if Subject.isValidToken(part) {
                tokens.append(.literal(part))
            } else {
                return nil
            }
        }
        self.rawValue = rawValue
        self.tokens = tokens
    }

    public var description: String { rawValue }

    /// Whether `subject` matches this pattern.
    public func matches(_ subject: Subject) -> Bool {
        let subjectTokens = subject.tokens
        for (i, token) in tokens.enumerated() {
            switch token {
            case .rest:
                return subjectTokens.count > i
            case .one:
                guard i < subjectTokens.count else { return false }
            case .literal(let literal):
                guard i < subjectTokens.count, subjectTokens[i] == literal else { return false }
            }
        }
        return subjectTokens.count == tokens.count
    }

    /// Whether every subject `other` matches is matched by this pattern too.
    public func covers(_ other: SubjectPattern) -> Bool {
        for (i, token) in tokens.enumerated() {
            if token == .rest { return other.tokens.count > i }
            guard i < other.tokens.count else { return false }
            switch (token, other.tokens[i]) {
            case (_, .rest): return false
            case (.one, _): continue
            case (.literal(let a), .literal(let b)) where a == b: continue
            default: return false
            }
        }
        return other.tokens.count == tokens.count
    }
}

/// A comma-separated list of at most 32 patterns, as the `subjects` query
/// parameter, key restrictions and share tokens carry it.
public struct PatternList: Hashable, Sendable, CustomStringConvertible {
    public let patterns: [SubjectPattern]

    public static let maximumCount = 32
    /// Every subject.
    public static let all = PatternList(uncheckedPatterns: [.all])

    public init(uncheckedPatterns: [SubjectPattern]) { self.patterns = uncheckedPatterns }

    /// Parses a list of pattern strings, throwing a 400 that names `field`.
    public init(_ strings: [String], field: String) throws(SluiceError) {
        guard !strings.isEmpty else { throw .invalidField(field, "at least one pattern is required") }
        guard strings.count <= PatternList.maximumCount else {
            throw .invalidField(field, "at most \(PatternList.maximumCount) patterns")
        }
        var patterns: [SubjectPattern] = []
        for string in strings {
            guard let pattern = SubjectPattern(string) else {
                throw .invalidField(field, "'\(String(string.prefix(64)))' is not a valid subject pattern")
            }
            if !patterns.contains(pattern) { patterns.append(pattern) }
        }
        self.patterns = patterns
    }

    /// Parses the comma-separated form of a query parameter.
    public init(commaSeparated: String, field: String) throws(SluiceError) {
        try self.init(commaSeparated.split(separator: ",", omittingEmptySubsequences: false).map(String.init), field: field)
    }

    public func matches(_ subject: Subject) -> Bool { patterns.contains { $0.matches(subject) } }

    /// Whether every pattern of `other` lies within some pattern of this list.
    public func covers(_ other: PatternList) -> Bool {
        other.patterns.allSatisfy { inner in patterns.contains { $0.covers(inner) } }
    }

    /// The patterns of `requested` that are narrowed to lie within `self`: a
    /// requested pattern covered by one of ours stays; one of ours covered by a
    /// requested pattern stays. Other overlaps are kept as the requested pattern,
    /// because delivery still checks both lists.
    public func intersecting(_ requested: PatternList) -> [SubjectPattern] {
        var result: [SubjectPattern] = []
        for r in requested.patterns {
            if patterns.contains(where: { $0.covers(r) }) {
                if !result.contains(r) { result.append(r) }
            } else {
                for own in patterns where r.covers(own) && !result.contains(own) { result.append(own) }
            }
        }
        return result
    }

    public var strings: [String] { patterns.map(\.rawValue) }
    public var description: String { strings.joined(separator: ",") }
}
