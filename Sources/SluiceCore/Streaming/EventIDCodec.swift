/// How a stream writes and reads event ids: authenticated streams use the
/// sequence number, public streams an opaque form that still resumes.
public protocol EventIDCodec: Sendable {
    func encode(sequence: Int64, circle: CircleID) -> String
    /// The sequence behind an id, or nil when the id is not valid for `circle`.
    func decode(_ id: String, circle: CircleID) -> Int64?
}

/// Plain decimal sequence numbers.
public struct SequenceEventIDs: EventIDCodec {
    public init() {}
    public func encode(sequence: Int64, circle: CircleID) -> String { String(sequence) }
    public func decode(_ id: String, circle: CircleID) -> Int64? {
        guard let value = Int64(id), value >= 0, id.utf8.count <= 19, id.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return value
    }
}
