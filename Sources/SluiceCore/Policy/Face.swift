/// A named view of events: which subjects it may see and which fields survive
/// (contract section 5). Compiled once when a policy loads.
public struct Face: Sendable, Equatable {
    /// The face API keys and sessions read through unless they name another.
    public static let defaultName = "member"

    public let name: String
    public let subjects: PatternList
    public let fields: FieldSelector

    public init(name: String, subjects: PatternList, fields: FieldSelector) {
        self.name = name
        self.subjects = subjects
        self.fields = fields
    }

    /// Envelope keys every face keeps.
    public static let alwaysKept: Set<String> = ["id", "subject", "kind", "timestamp", "cache", "redacted"]

    /// Whether a face name is well-formed (`[a-z0-9][a-z0-9_-]{0,63}`).
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.enumerated().allSatisfy { i, b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || (i > 0 && (b == UInt8(ascii: "-") || b == UInt8(ascii: "_")))
        }
    }

    /// What this face makes of an envelope, or nil when its subject is not
    /// allowed. Anything removed from `payload` sets `redacted` and forces
    /// `cache` to `invalidate`.
    public func render(_ event: StoredEvent) -> JSONValue? {
        guard subjects.matches(event.subject) else { return nil }
        guard case .object(let members) = event.envelope else { return nil }
        let start = fields.initial
        var payloadRedacted = false
        var kept: [(String, JSONValue)] = []
        for (key, value) in members {
            if Face.alwaysKept.contains(key) {
                kept.append((key, value))
                continue
            }
            var removed = false
            let survivor = fields.filter(value, states: fields.advance(start, key: key), removed: &removed)
            if key == "payload" {
                if removed || (survivor == nil && value != .object([])) { payloadRedacted = true }
                // The payload key itself stays so viewers always find an object.
                kept.append((key, survivor ?? .object([])))
            } else if let survivor {
                kept.append((key, survivor))
            }
        }
        if payloadRedacted {
            kept = kept.map { key, value in
                switch key {
                case "redacted": return (key, .bool(true))
                case "cache": return (key, .string(CacheMode.invalidate.rawValue))
                default: return (key, value)
                }
            }
        }
        return .object(kept)
    }
}
