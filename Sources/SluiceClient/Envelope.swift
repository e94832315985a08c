import SluiceCore

/// One event as a stream delivers it: the JSON envelope through the reader's
/// face (contract section 3), with typed access to the members every face
/// keeps and the optional ones it may have removed.
public struct Envelope: Sendable, Equatable {
    /// The envelope exactly as received.
    public let json: JSONValue

    /// Nil unless `json` is an object with an `id`, a `subject` and a `kind`.
    public init?(json: JSONValue) {
        guard json["id"]?.stringValue != nil, json["subject"]?.stringValue != nil, json["kind"]?.stringValue != nil else {
            return nil
        }
        self.json = json
    }

    public var id: String { json["id"]?.stringValue ?? "" }
    public var subject: String { json["subject"]?.stringValue ?? "" }
    /// The subject's last token: `started`, `progress`, `completed`, ...
    public var kind: String { json["kind"]?.stringValue ?? "" }
    public var timestamp: String? { json["timestamp"]?.stringValue }
    public var cache: String? { json["cache"]?.stringValue }
    /// True when the face removed something from the payload.
    public var redacted: Bool { json["redacted"] == .bool(true) }
    public var payload: JSONValue { json["payload"] ?? .object([]) }
    public var invocationID: String? { json["invocation_id"]?.stringValue }
    public var runID: String? { json["run_id"]?.stringValue }

    /// Whether this ends its invocation (`completed`, `failed`, `cancelled`).
    public var isTerminal: Bool { ["completed", "failed", "cancelled"].contains(kind) }

    /// The Triform rule: only a `completed` event with `cache: "apply"` that
    /// the face left whole may replace a viewer's state; anything else means
    /// the viewer must refetch.
    public var mayApply: Bool { kind == "completed" && cache == "apply" && json["redacted"] == .bool(false) }
}
