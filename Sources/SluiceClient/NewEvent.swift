import SluiceCore

/// An event to publish (contract section 3). The gateway validates it; only
/// `subject` is required.
public struct NewEvent: Sendable, Equatable {
    /// Who caused an event.
    public struct Actor: Sendable, Equatable {
        /// `user`, `agent`, `system` or `external`.
        public var type: String
        public var id: String?

        public init(type: String, id: String? = nil) {
            self.type = type
            self.id = id
        }
    }

    public var subject: String
    public var payload: JSONValue
    public var invocationID: String?
    public var runID: String?
    public var actor: Actor?
    public var traceID: String?
    /// `apply` when the payload is the element's full new state.
    public var cache: CacheMode?

    public init(
        subject: String, payload: JSONValue = .object([]), invocationID: String? = nil, runID: String? = nil,
        actor: Actor? = nil, traceID: String? = nil, cache: CacheMode? = nil
    ) {
        self.subject = subject
        self.payload = payload
        self.invocationID = invocationID
        self.runID = runID
        self.actor = actor
        self.traceID = traceID
        self.cache = cache
    }

    /// The event as the ingest route reads it.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("subject", .string(subject)), ("payload", payload)]
        if let invocationID { members.append(("invocation_id", .string(invocationID))) }
        if let runID { members.append(("run_id", .string(runID))) }
        if let actor {
            var fields: [(String, JSONValue)] = [("type", .string(actor.type))]
            if let id = actor.id { fields.append(("id", .string(id))) }
            members.append(("actor", .object(fields)))
        }
        if let traceID { members.append(("trace_id", .string(traceID))) }
        if let cache { members.append(("cache", .string(cache.rawValue))) }
        return .object(members)
    }
}
