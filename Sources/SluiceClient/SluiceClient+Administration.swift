import SluiceCore

/// A circle (contract section 7).
public struct Circle: Sendable, Equatable {
    public let id: String
    public let name: String?
    public let createdAt: String
    /// Everything the gateway sent.
    public let json: JSONValue

    /// A circle from its JSON as the gateway shows it; nil without an `id`.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue else { return nil }
        self.id = id
        self.name = json["name"]?.stringValue
        self.createdAt = json["created_at"]?.stringValue ?? ""
        self.json = json
    }
}

/// An API key as the gateway lists it; `key` (the whole key) only from
/// creation and rotation, the one time it is shown.
public struct APIKey: Sendable, Equatable {
    public let id: String
    public let key: String?
    public let circle: String?
    public let name: String?
    public let scopes: [String]
    public let subjects: [String]
    public let face: String
    public let createdAt: String
    public let expiresAt: String?
    public let revokedAt: String?
    public let lastUsedAt: String?
    /// Everything the gateway sent.
    public let json: JSONValue

    /// A key from its JSON as the gateway shows it; nil without an `id`.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue else { return nil }
        self.id = id
        key = json["key"]?.stringValue
        circle = json["circle"]?.stringValue
        name = json["name"]?.stringValue
        scopes = json["scopes"]?.arrayValues?.compactMap(\.stringValue) ?? []
        subjects = json["subjects"]?.arrayValues?.compactMap(\.stringValue) ?? []
        face = json["face"]?.stringValue ?? ""
        createdAt = json["created_at"]?.stringValue ?? ""
        expiresAt = json["expires_at"]?.stringValue
        revokedAt = json["revoked_at"]?.stringValue
        lastUsedAt = json["last_used_at"]?.stringValue
        self.json = json
    }
}

/// A share token (contract section 6): `token`, `url` and `embedURL` only
/// from minting; listings show the claims.
public struct ShareToken: Sendable, Equatable {
    public let jti: String
    public let token: String?
    public let url: String?
    public let embedURL: String?
    public let expiresAt: String
    /// Everything the gateway sent (element, purpose, subjects, origins, connections...).
    public let json: JSONValue

    /// A share token from its JSON as the gateway shows it; nil without a `jti`.
    public init?(json: JSONValue) {
        guard let jti = json["jti"]?.stringValue else { return nil }
        self.jti = jti
        token = json["token"]?.stringValue
        url = json["url"]?.stringValue
        embedURL = json["embed_url"]?.stringValue
        expiresAt = json["expires_at"]?.stringValue ?? ""
        self.json = json
    }
}

extension SluiceClient {
    // MARK: Circles (platform:admin)

    public func createCircle(_ id: String, name: String? = nil) async throws -> Circle {
        var body: [(String, JSONValue)] = [("id", .string(id))]
        if let name { body.append(("name", .string(name))) }
        return try Self.decode(try await send(.POST, "/api/circles", body: .object(body), retrying: false), Circle.init)
    }

    public func circles() async throws -> [Circle] {
        try Self.list(try await send(.GET, "/api/circles", retrying: true), "circles", Circle.init)
    }

    public func circle(_ id: String) async throws -> Circle {
        try Self.decode(try await send(.GET, "/api/circles/\(Self.segment(id))", retrying: true), Circle.init)
    }

    /// Deletes a circle with everything in it: its keys, share tokens and streams end at once.
    public func deleteCircle(_ id: String) async throws {
        _ = try await send(.DELETE, "/api/circles/\(Self.segment(id))", retrying: true)
    }

    // MARK: API keys (keys:manage)

    /// Creates a key in `circle`. It never holds more than the caller: other
    /// scopes, subjects or a longer life answer `forbidden`.
    public func createKey(
        in circle: String, scopes: [String], subjects: [String]? = nil, face: String? = nil, name: String? = nil,
        expiresInSeconds: Int? = nil
    ) async throws -> APIKey {
        var body: [(String, JSONValue)] = [("scopes", .array(scopes.map(JSONValue.string)))]
        if let subjects { body.append(("subjects", .array(subjects.map(JSONValue.string)))) }
        if let face { body.append(("face", .string(face))) }
        if let name { body.append(("name", .string(name))) }
        if let expiresInSeconds { body.append(("expires_in_seconds", .number(String(expiresInSeconds)))) }
        return try Self.decode(try await send(.POST, "/api/\(Self.segment(circle))/keys", body: .object(body), retrying: false), APIKey.init)
    }

    public func keys(in circle: String) async throws -> [APIKey] {
        try Self.list(try await send(.GET, "/api/\(Self.segment(circle))/keys", retrying: true), "keys", APIKey.init)
    }

    public func revokeKey(_ id: String, in circle: String) async throws {
        _ = try await send(.DELETE, "/api/\(Self.segment(circle))/keys/\(Self.segment(id))", retrying: true)
    }

    /// A new secret for the key; the old one stops working at once.
    public func rotateKey(_ id: String, in circle: String) async throws -> APIKey {
        try Self.decode(
            try await send(.POST, "/api/\(Self.segment(circle))/keys/\(Self.segment(id))/rotate", retrying: false), APIKey.init)
    }

    // MARK: Share tokens (share:manage)

    /// Mints a share token for `element`, read through face `purpose`.
    public func mintShareToken(
        in circle: String, element: String, purpose: String, subjects: [String]? = nil, ttlSeconds: Int? = nil,
        maxConnections: Int? = nil, origins: [String]? = nil
    ) async throws -> ShareToken {
        var body: [(String, JSONValue)] = [("element", .string(element)), ("purpose", .string(purpose))]
        if let subjects { body.append(("subjects", .array(subjects.map(JSONValue.string)))) }
        if let ttlSeconds { body.append(("ttl_seconds", .number(String(ttlSeconds)))) }
        if let maxConnections { body.append(("max_connections", .number(String(maxConnections)))) }
        if let origins { body.append(("origins", .array(origins.map(JSONValue.string)))) }
        return try Self.decode(
            try await send(.POST, "/api/\(Self.segment(circle))/_share/mint", body: .object(body), retrying: false), ShareToken.init)
    }

    public func shareTokens(in circle: String) async throws -> [ShareToken] {
        try Self.list(try await send(.GET, "/api/\(Self.segment(circle))/_share", retrying: true), "tokens", ShareToken.init)
    }

    /// Revokes a share token: its open public streams close within a second.
    public func revokeShareToken(_ jti: String, in circle: String) async throws {
        _ = try await send(.DELETE, "/api/\(Self.segment(circle))/_share/\(Self.segment(jti))", retrying: true)
    }

    // MARK: Decoding

    static func decode<T>(_ reply: Reply, _ make: (JSONValue) -> T?) throws -> T {
        guard let value = make(try object(reply)) else { throw SluiceClientError.invalidResponse("unexpected answer", status: reply.status) }
        return value
    }

    static func list<T>(_ reply: Reply, _ member: String, _ make: (JSONValue) -> T?) throws -> [T] {
        guard let items = try object(reply)[member]?.arrayValues else {
            throw SluiceClientError.invalidResponse("no '\(member)' list in the answer", status: reply.status)
        }
        return try items.map { item in
            guard let value = make(item) else { throw SluiceClientError.invalidResponse("unexpected item in '\(member)'") }
            return value
        }
    }
}
