import SluiceCore
import SluiceCrypto
import SluiceStore

/// What a share token should allow, as typed values (contract section 6).
public struct ShareRequest: Sendable {
    public var element: String
    public var purpose: String
    /// Default `{element}.>`.
    public var subjects: PatternList?
    public var ttlSeconds: Int?
    public var maxConnections: Int?
    public var origins: [String]

    public init(
        element: String, purpose: String, subjects: PatternList? = nil, ttlSeconds: Int? = nil, maxConnections: Int? = nil,
        origins: [String] = []
    ) {
        self.element = element
        self.purpose = purpose
        self.subjects = subjects
        self.ttlSeconds = ttlSeconds
        self.maxConnections = maxConnections
        self.origins = origins
    }
}

/// A minted token: its record and the token itself, shown once.
public struct MintedShare: Sendable {
    public let record: ShareTokenRecord
    public let token: String
}

/// Minting, listing and revoking share tokens, under the least-privilege
/// rule of `Grant`: a token reads events (so its minter must hold
/// `events:read`), through a face and subjects within the minter's, for no
/// longer than the minter lives.
public struct ShareOperations: Sendable {
    let administration: Administration

    public func mint(_ request: ShareRequest, in circle: CircleID, by actor: Principal?) async throws -> MintedShare {
        let grant = try await administration.grant(of: actor, .shareManage, in: circle)
        let configuration = administration.configuration
        let now = administration.now()
        guard Subject(request.element)?.tokens.count == 1 else {
            throw SluiceError.invalidField("element", "must be one subject token of [A-Za-z0-9_-]")
        }
        guard let elementPattern = SubjectPattern("\(request.element).>") else {
            throw SluiceError.invalidField("element", "at most \(Subject.maximumBytes - 2) bytes")
        }
        let faces = administration.faces(of: circle)
        guard Face.isValidName(request.purpose), faces(request.purpose) != nil else {
            throw SluiceError.invalidField("purpose", "must name a face defined for this circle")
        }
        let scope = PatternList(uncheckedPatterns: [elementPattern])
        let subjects = request.subjects ?? scope
        guard scope.covers(subjects) else { throw SluiceError.invalidField("subjects", "must stay within \(elementPattern)") }
        var expiry: Timestamp
        if let ttl = request.ttlSeconds {
            guard ttl > 0, ttl <= configuration.shareMaxTTLSeconds else {
                throw SluiceError.invalidField("ttl_seconds", "must be between 1 and \(configuration.shareMaxTTLSeconds)")
            }
            expiry = Timestamp(milliseconds: now.milliseconds + Int64(ttl) * 1000)
        } else {
            // The default lifetime, shortened to the minter's own.
            expiry = Timestamp(milliseconds: now.milliseconds + Int64(configuration.shareDefaultTTLSeconds) * 1000)
            if let limit = grant.expiresAt, limit < expiry { expiry = limit }
        }
        let maxConnections = request.maxConnections ?? configuration.shareDefaultMaxConnections
        guard (1...100_000).contains(maxConnections) else {
            throw SluiceError.invalidField("max_connections", "must be between 1 and 100000")
        }
        guard request.origins.count <= 32 else { throw SluiceError.invalidField("origins", "at most 32 origins") }
        var origins: [String] = []
        for text in request.origins {
            guard let origin = WebOrigin.normalized(text) else {
                throw SluiceError.invalidField(
                    "origins", "'\(String(text.prefix(80)))' is not an origin such as https://example.com (no wildcard, path or user)")
            }
            if !origins.contains(origin) { origins.append(origin) }
        }
        let target = Grant(scopes: [.eventsRead], subjects: subjects, face: request.purpose, expiresAt: expiry)
        try grant.authorize(.create, target, faces: faces)
        let record = ShareTokenRecord(
            jti: SecretDigest.hex(SecretDigest.randomBytes(16)), circle: circle, element: request.element, purpose: request.purpose,
            subjects: subjects, origins: origins, maxConnections: maxConnections, createdAt: now, expiresAt: expiry)
        try await administration.store.insertShareToken(record)
        guard let stored = try await administration.store.shareToken(jti: record.jti) else { throw SluiceError.notFound("no such circle") }
        let token = try administration.shareAuthority.mint(stored)
        // Its first viewers on this node need no store read.
        administration.shareAuthority.remember(stored)
        await administration.applyChanges()
        return MintedShare(record: stored, token: token)
    }

    /// Live tokens of `circle` (never the tokens themselves).
    public func list(in circle: CircleID, by actor: Principal?) async throws -> [ShareTokenRecord] {
        _ = try await administration.grant(of: actor, .shareManage, in: circle)
        return try await administration.store.shareTokens(in: circle, now: administration.now())
    }

    /// Revokes a token: new connections get 401, open streams close.
    public func revoke(jti: String, in circle: CircleID, by actor: Principal?) async throws {
        _ = try await administration.grant(of: actor, .shareManage, in: circle)
        guard try await administration.store.revokeShareToken(circle: circle, jti: jti, at: administration.now()) else {
            throw SluiceError.notFound("no such share token")
        }
        await administration.applyChanges()
    }
}
