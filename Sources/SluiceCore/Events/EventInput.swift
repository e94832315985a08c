/// How an event changes a viewer's cached state (contract section 3).
public enum CacheMode: String, Sendable, Hashable {
    /// The payload is the element's full new state.
    case apply
    /// The viewer must refetch (the default).
    case invalidate
}

/// Who caused an event.
public struct EventActor: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable { case user, agent, system, external }
    public let type: Kind
    public let id: String?

    public init(type: Kind, id: String?) {
        self.type = type
        self.id = id
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(type.rawValue))]
        if let id { members.append(("id", .string(id))) }
        return .object(members)
    }
}

/// One event as a producer sent it, validated field by field.
public struct EventInput: Sendable, Equatable {
    public let subject: Subject
    public let payload: JSONValue
    public let invocationID: String?
    public let runID: String?
    public let actor: EventActor?
    public var traceID: String?
    public let cache: CacheMode

    public init(
        subject: Subject, payload: JSONValue = .object([]), invocationID: String? = nil, runID: String? = nil,
        actor: EventActor? = nil, traceID: String? = nil, cache: CacheMode = .invalidate
    ) {
        self.subject = subject
        self.payload = payload
        self.invocationID = invocationID
        self.runID = runID ?? invocationID
        self.actor = actor
        self.traceID = traceID
        self.cache = EventInput.alwaysInvalidates(subject.kind) ? .invalidate : cache
    }

    /// `failed` and `cancelled` events are always `invalidate`, whatever the
    /// publisher sent (contract section 3): a watcher never applies a failed
    /// operation's output. Applied here, where every event is built (ingest and
    /// every read back from the log), so no face, live or replayed, sees otherwise.
    public static func alwaysInvalidates(_ kind: String) -> Bool { kind == "failed" || kind == "cancelled" }

    public var kind: String { subject.kind }

    static let knownFields: Set<String> = ["subject", "payload", "invocation_id", "run_id", "actor", "trace_id", "cache"]

    /// Validates one event object; `path` prefixes field names in errors
    /// (`events[3].subject`).
    public static func parse(_ value: JSONValue, path: String = "") throws(SluiceError) -> EventInput {
        func name(_ field: String) -> String { path.isEmpty ? field : "\(path).\(field)" }
        guard case .object(let members) = value else {
            throw .invalidField(path.isEmpty ? "body" : path, "must be an object")
        }
        for (key, _) in members where !knownFields.contains(key) {
            throw .invalidField(name(String(key.prefix(64))), "unknown field")
        }
        guard let subjectValue = value["subject"] else { throw .invalidField(name("subject"), "is required") }
        guard case .string(let subjectText) = subjectValue else {
            throw .invalidField(name("subject"), "must be a string, not \(subjectValue.typeName)")
        }
        guard let subject = Subject(subjectText) else {
            throw .invalidField(name("subject"), "must be 1-16 dot-separated tokens of [A-Za-z0-9_-], at most 255 bytes")
        }
        var payload = JSONValue.object([])
        if let p = value["payload"] {
            guard case .object = p else { throw .invalidField(name("payload"), "must be an object, not \(p.typeName)") }
            payload = p
        }
        let invocationID = try identifier(value["invocation_id"], name("invocation_id"))
        let runID = try identifier(value["run_id"], name("run_id"))
        let traceID = try identifier(value["trace_id"], name("trace_id"))
        var actor: EventActor?
        if let a = value["actor"], a != .null {
            guard case .object(let actorMembers) = a else { throw .invalidField(name("actor"), "must be an object") }
            for (key, _) in actorMembers where key != "type" && key != "id" {
                throw .invalidField(name("actor.\(String(key.prefix(64)))"), "unknown field")
            }
            guard let typeValue = a["type"] else { throw .invalidField(name("actor.type"), "is required") }
            guard case .string(let typeText) = typeValue, let kind = EventActor.Kind(rawValue: typeText) else {
                throw .invalidField(name("actor.type"), "must be one of user, agent, system, external")
            }
            actor = EventActor(type: kind, id: try identifier(a["id"], name("actor.id")))
        }
        var cache = CacheMode.invalidate
        if let c = value["cache"], c != .null {
            guard case .string(let text) = c, let mode = CacheMode(rawValue: text) else {
                throw .invalidField(name("cache"), "must be 'apply' or 'invalidate'")
            }
            cache = mode
        }
        return EventInput(
            subject: subject, payload: payload, invocationID: invocationID, runID: runID,
            actor: actor, traceID: traceID, cache: cache
        )
    }

    /// An optional identifier string: 1–128 bytes, no control characters.
    static func identifier(_ value: JSONValue?, _ field: String) throws(SluiceError) -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let text) = value else { throw .invalidField(field, "must be a string, not \(value.typeName)") }
        guard (1...128).contains(text.utf8.count), !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidField(field, "must be 1-128 bytes without control characters")
        }
        return text
    }
}

/// Size limits of ingest (contract section 3), configurable.
public struct IngestLimits: Sendable, Equatable {
    public var maximumEventBytes: Int
    public var maximumRequestBytes: Int
    public var maximumBatchCount: Int

    public init(maximumEventBytes: Int = 64 * 1024, maximumRequestBytes: Int = 1024 * 1024, maximumBatchCount: Int = 1000) {
        self.maximumEventBytes = maximumEventBytes
        self.maximumRequestBytes = maximumRequestBytes
        self.maximumBatchCount = maximumBatchCount
    }
}

extension EventInput {
    /// Parses an ingest body: one event object, or `{"events": [...]}`. Every
    /// event is validated before anything is returned, so a bad one refuses the
    /// whole batch.
    public static func parseBody(_ body: some Collection<UInt8>, limits: IngestLimits) throws(SluiceError) -> [EventInput] {
        guard body.count <= limits.maximumRequestBytes else {
            throw .payloadTooLarge("the request is over \(limits.maximumRequestBytes) bytes")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(body)
        } catch {
            throw .invalidJSON("the body is not valid JSON (\(error.reason) at byte \(error.offset))")
        }
        guard case .object = document else { throw .invalidField("body", "must be an event object or {\"events\": [...]}") }
        if let list = document["events"] {
            guard document.objectMembers?.count == 1 else { throw .invalidField("body", "a batch holds only 'events'") }
            guard case .array(let items) = list else { throw .invalidField("events", "must be an array, not \(list.typeName)") }
            guard !items.isEmpty else { throw .invalidField("events", "must hold at least one event") }
            guard items.count <= limits.maximumBatchCount else {
                throw .invalidField("events", "at most \(limits.maximumBatchCount) events per batch")
            }
            var result: [EventInput] = []
            result.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                try checkSize(item, limits: limits, path: "events[\(i)]")
                result.append(try parse(item, path: "events[\(i)]"))
            }
            return result
        }
        try checkSize(document, limits: limits, path: "body")
        return [try parse(document)]
    }

    static func checkSize(_ value: JSONValue, limits: IngestLimits, path: String) throws(SluiceError) {
        var out: [UInt8] = []
        value.write(to: &out)
        guard out.count <= limits.maximumEventBytes else {
            throw .payloadTooLarge("\(path) is over \(limits.maximumEventBytes) bytes")
        }
    }
}
