import SluiceCore

/// A webhook subscription (contract section 10); `secret` only from creation
/// and rotation.
public struct Webhook: Sendable, Equatable {
    public let id: String
    public let url: String
    public let secret: String?
    public let subjects: [String]
    public let face: String
    public let enabled: Bool
    /// Everything the gateway sent (description, disabled_reason, counts...).
    public let json: JSONValue

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue else { return nil }
        self.id = id
        url = json["url"]?.stringValue ?? ""
        secret = json["secret"]?.stringValue
        subjects = json["subjects"]?.arrayValues?.compactMap(\.stringValue) ?? []
        face = json["face"]?.stringValue ?? ""
        enabled = json["enabled"] != .bool(false)
        self.json = json
    }
}

extension SluiceClient {
    // MARK: Webhooks (webhooks:manage)

    public func createWebhook(
        in circle: String, url: String, subjects: [String]? = nil, face: String? = nil, description: String? = nil
    ) async throws -> Webhook {
        var body: [(String, JSONValue)] = [("url", .string(url))]
        if let subjects { body.append(("subjects", .array(subjects.map(JSONValue.string)))) }
        if let face { body.append(("face", .string(face))) }
        if let description { body.append(("description", .string(description))) }
        return try Self.decode(try await send(.POST, webhooks(circle), body: .object(body), retrying: false), Webhook.init)
    }

    public func webhooks(in circle: String) async throws -> [Webhook] {
        try Self.list(try await send(.GET, webhooks(circle), retrying: true), "webhooks", Webhook.init)
    }

    public func webhook(_ id: String, in circle: String) async throws -> Webhook {
        try Self.decode(try await send(.GET, webhooks(circle, id), retrying: true), Webhook.init)
    }

    /// Changes any of `url`, `subjects`, `face`, `description`, `enabled`
    /// (members of `changes`); re-enabling resumes from where it stopped.
    public func updateWebhook(_ id: String, in circle: String, changes: JSONValue) async throws -> Webhook {
        try Self.decode(try await send(.PATCH, webhooks(circle, id), body: changes, retrying: true), Webhook.init)
    }

    public func deleteWebhook(_ id: String, in circle: String) async throws {
        _ = try await send(.DELETE, webhooks(circle, id), retrying: true)
    }

    /// A new secret; for 24 h deliveries are signed by the old and the new one.
    public func rotateWebhookSecret(_ id: String, in circle: String) async throws -> Webhook {
        try Self.decode(try await send(.POST, webhooks(circle, id, "/rotate"), retrying: false), Webhook.init)
    }

    /// Recent deliveries, optionally only `pending`, `failed` or `succeeded`.
    public func webhookDeliveries(_ id: String, in circle: String, status: String? = nil) async throws -> [JSONValue] {
        let reply = try await send(
            .GET, webhooks(circle, id, "/deliveries"), query: status.map { [("status", $0)] } ?? [], retrying: true)
        return try Self.list(reply, "deliveries") { $0 }
    }

    /// Delivers again every retained event after `afterID`, or since the RFC 3339 time `since`.
    public func replayWebhook(_ id: String, in circle: String, afterID: String? = nil, since: String? = nil) async throws {
        var body: [(String, JSONValue)] = []
        if let afterID { body.append(("after_id", .string(afterID))) }
        if let since { body.append(("since", .string(since))) }
        _ = try await send(.POST, webhooks(circle, id, "/replay"), body: .object(body), retrying: false)
    }

    func webhooks(_ circle: String, _ id: String? = nil, _ suffix: String = "") -> String {
        "/api/\(Self.segment(circle))/webhooks" + (id.map { "/\(Self.segment($0))" } ?? "") + suffix
    }
}
