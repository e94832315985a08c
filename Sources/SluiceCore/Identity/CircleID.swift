/// A circle's id: `^[a-z0-9][a-z0-9-]{0,62}$`, never one of the reserved words
/// that would collide with route segments.
public struct CircleID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public static let reserved: Set<String> = ["events", "public", "circles", "embed", "metrics"]

    /// Returns nil for anything that is not a valid, unreserved circle id.
    public init?(_ rawValue: String) {
        let bytes = Array(rawValue.utf8)
        guard (1...63).contains(bytes.count) else { return nil }
        for (i, b) in bytes.enumerated() {
            let alnum = (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
            guard alnum || (i > 0 && b == UInt8(ascii: "-")) else { return nil }
        }
        guard !CircleID.reserved.contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: CircleID, rhs: CircleID) -> Bool { lhs.rawValue < rhs.rawValue }
}
