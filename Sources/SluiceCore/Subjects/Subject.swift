/// What an event is about: 1–16 dot-separated tokens of `[A-Za-z0-9_-]`, at
/// most 255 bytes. Its grammar keeps it safe as an SSE `event:` field.
public struct Subject: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    /// The tokens, split once at validation.
    public let tokens: [Substring]

    public static let maximumBytes = 255
    public static let maximumTokens = 16

    public init?(_ rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= Subject.maximumBytes else { return nil }
        let tokens = rawValue.split(separator: ".", omittingEmptySubsequences: false)
        guard tokens.count <= Subject.maximumTokens, tokens.allSatisfy(Subject.isValidToken) else { return nil }
        self.rawValue = rawValue
        self.tokens = tokens
    }

    /// The last token: the event's `kind`.
    public var kind: String { String(tokens[tokens.count - 1]) }

    public var description: String { rawValue }

    static func isValidToken(_ token: Substring) -> Bool {
        !token.isEmpty
            && token.utf8.allSatisfy { b in
                (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                    || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            }
    }
}
