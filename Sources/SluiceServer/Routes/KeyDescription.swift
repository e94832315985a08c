import SluiceCore
import SluiceStore

/// The JSON of keys: a create request read into a `KeyRequest`, and a key
/// as the API and the command show it.
public enum KeyDescription {
    static let fields: Set<String> = ["name", "scopes", "subjects", "face", "expires_in_seconds"]

    /// A create request's body as typed values; 400 naming the field.
    static func request(_ body: JSONValue) throws(SluiceError) -> KeyRequest {
        try RequestParsing.rejectUnknown(body, allowed: fields)
        guard let scopeNames = try RequestParsing.strings(body, "scopes"), !scopeNames.isEmpty else {
            throw .invalidField("scopes", "at least one scope is required")
        }
        var request = KeyRequest(scopes: try Scope.parseList(scopeNames, field: "scopes"))
        if let list = try RequestParsing.strings(body, "subjects") { request.subjects = try PatternList(list, field: "subjects") }
        if let face = try RequestParsing.string(body, "face") { request.face = face }
        request.name = try RequestParsing.string(body, "name")
        request.expiresInSeconds = try RequestParsing.int(body, "expires_in_seconds")
        return request
    }

    /// A key as the API shows it; `key` (the whole key) only at creation and rotation.
    public static func json(_ record: APIKeyRecord, key: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [("id", .string(record.id))]
        if let key { members.append(("key", .string(key))) }
        members += [
            ("circle", record.circle.map { .string($0.rawValue) } ?? .null),
            ("name", record.name.map(JSONValue.string) ?? .null),
            ("scopes", .array(record.scopes.sorted().map { .string($0.rawValue) })),
            ("subjects", .array(record.subjects.strings.map(JSONValue.string))),
            ("face", .string(record.face)),
            ("created_at", .string(record.createdAt.rfc3339)),
            ("expires_at", RequestParsing.timestampText(record.expiresAt)),
            ("revoked_at", RequestParsing.timestampText(record.revokedAt)),
            ("last_used_at", RequestParsing.timestampText(record.lastUsedAt)),
        ]
        return .object(members)
    }
}
