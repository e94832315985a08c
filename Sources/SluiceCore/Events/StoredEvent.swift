/// An event as committed: its per-circle sequence number and server timestamp
/// added to what the producer sent.
public struct StoredEvent: Sendable, Equatable {
    public let sequence: Int64
    public let circle: CircleID
    public let input: EventInput
    public let timestamp: Timestamp

    public init(sequence: Int64, circle: CircleID, input: EventInput, timestamp: Timestamp) {
        self.sequence = sequence
        self.circle = circle
        self.input = input
        self.timestamp = timestamp
    }

    public var subject: Subject { input.subject }

    /// The whole envelope, in contract order, as the `member` face with `**` sees it.
    public var envelope: JSONValue {
        .object([
            ("id", .string(String(sequence))),
            ("circle", .string(circle.rawValue)),
            ("subject", .string(input.subject.rawValue)),
            ("kind", .string(input.kind)),
            ("invocation_id", input.invocationID.map(JSONValue.string) ?? .null),
            ("run_id", input.runID.map(JSONValue.string) ?? .null),
            ("actor", input.actor?.json ?? .null),
            ("trace_id", input.traceID.map(JSONValue.string) ?? .null),
            ("cache", .string(input.cache.rawValue)),
            ("redacted", .bool(false)),
            ("payload", input.payload),
            ("timestamp", .string(timestamp.rfc3339)),
        ])
    }
}
