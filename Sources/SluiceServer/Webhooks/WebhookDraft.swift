import SluiceCore

/// What a caller asks of a subscription, on creation (missing fields take
/// their defaults) or on a patch (missing fields stay as they are). Built
/// from a JSON body by the routes and from flags by the CLI.
public struct WebhookDraft: Sendable {
    public var url: String?
    public var subjects: PatternList?
    public var face: String?
    /// `.some(nil)` clears the description on a patch.
    public var description: String??
    public var enabled: Bool?

    public init(url: String? = nil, subjects: PatternList? = nil, face: String? = nil, description: String?? = nil, enabled: Bool? = nil) {
        self.url = url
        self.subjects = subjects
        self.face = face
        self.description = description
        self.enabled = enabled
    }

    static let createFields: Set<String> = ["url", "subjects", "face", "description"]
    static let patchFields: Set<String> = createFields.union(["enabled"])

    /// Reads a create or patch body; 400 naming the field on bad input.
    public init(body: JSONValue, patch: Bool) throws(SluiceError) {
        try RequestParsing.rejectUnknown(body, allowed: patch ? WebhookDraft.patchFields : WebhookDraft.createFields)
        url = try RequestParsing.string(body, "url")
        if let list = try RequestParsing.strings(body, "subjects") {
            guard !list.isEmpty else { throw .invalidField("subjects", "at least one pattern is required") }
            subjects = try PatternList(list, field: "subjects")
        }
        face = try RequestParsing.string(body, "face")
        if body["description"] != nil { description = .some(try RequestParsing.string(body, "description")) }
        if let value = body["enabled"], value != .null {
            guard case .bool(let flag) = value else { throw .invalidField("enabled", "must be true or false") }
            enabled = flag
        }
    }
}
