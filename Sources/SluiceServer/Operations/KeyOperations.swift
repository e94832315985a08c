import SluiceCore
import SluiceCrypto
import SluiceStore

/// What a new key should hold, as typed values (the route parses JSON into
/// it, the command its flags).
public struct KeyRequest: Sendable {
    public var name: String?
    public var scopes: Set<Scope>
    public var subjects: PatternList
    public var face: String
    public var expiresInSeconds: Int?

    public init(
        name: String? = nil, scopes: Set<Scope>, subjects: PatternList = .all, face: String = Face.defaultName,
        expiresInSeconds: Int? = nil
    ) {
        self.name = name
        self.scopes = scopes
        self.subjects = subjects
        self.face = face
        self.expiresInSeconds = expiresInSeconds
    }
}

/// A key as made or rotated: its record and the whole key, shown once.
public struct IssuedKey: Sendable {
    public let record: APIKeyRecord
    public let key: APIKeyToken
}

/// Creating, listing, revoking and rotating API keys (contract section 7),
/// under the least-privilege rule of `Grant`.
public struct KeyOperations: Sendable {
    let administration: Administration

    static let maximumLifetimeSeconds = 10 * 365 * 86_400

    /// Creates a key in `circle`, or a platform key for nil (platform admins only).
    public func create(_ request: KeyRequest, in circle: CircleID?, by actor: Principal?) async throws -> IssuedKey {
        let now = administration.now()
        var expiry: Timestamp?
        if let seconds = request.expiresInSeconds {
            guard seconds > 0, seconds <= KeyOperations.maximumLifetimeSeconds else {
                throw SluiceError.invalidField("expires_in_seconds", "must be between 1 and \(KeyOperations.maximumLifetimeSeconds)")
            }
            expiry = Timestamp(milliseconds: now.milliseconds + Int64(seconds) * 1000)
        }
        if let circle {
            let grant = try await administration.grant(of: actor, .keysManage, in: circle)
            try validate(request, circle: circle)
            let target = Grant(scopes: request.scopes, subjects: request.subjects, face: request.face, expiresAt: expiry)
            try grant.authorize(.create, target, faces: administration.faces(of: circle))
        } else {
            try actor?.requirePlatformAdmin()
            try validate(request, circle: nil)
        }
        var generator = SystemRandomNumberGenerator()
        let token = APIKeyToken.generate(using: &generator)
        let record = APIKeyRecord(
            id: token.id, circle: circle, name: request.name, scopes: request.scopes, subjects: request.subjects,
            face: request.face, secretDigest: token.secretDigest, createdAt: now, expiresAt: expiry)
        try await administration.store.insertKey(record)
        await administration.applyChanges()
        return IssuedKey(record: try await administration.store.key(id: token.id) ?? record, key: token)
    }

    /// Values that can never work are refused naming their field.
    func validate(_ request: KeyRequest, circle: CircleID?) throws(SluiceError) {
        guard !request.scopes.isEmpty else { throw .invalidField("scopes", "at least one scope is required") }
        if circle != nil, request.scopes.contains(.platformAdmin) {
            throw .invalidField("scopes", "platform:admin is only for platform keys")
        }
        if let name = request.name {
            guard name.utf8.count <= 128 else { throw .invalidField("name", "at most 128 bytes") }
            guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .invalidField("name", "must not contain control characters")
            }
        }
        guard Face.isValidName(request.face) else { throw .invalidField("face", "is not a valid face name") }
        if let circle, administration.policies.snapshot.face(request.face, for: circle) == nil {
            throw .invalidField("face", "no policy defines face '\(request.face)' for this circle")
        }
    }

    /// The keys of `circle`, or the platform keys for nil.
    public func list(in circle: CircleID?, by actor: Principal?) async throws -> [APIKeyRecord] {
        if let circle {
            _ = try await administration.grant(of: actor, .keysManage, in: circle)
        } else {
            try actor?.requirePlatformAdmin()
        }
        return try await administration.store.keys(in: circle)
    }

    /// Revokes a key of `circle`; the operator (no actor, no circle) may name any key.
    public func revoke(id: String, in circle: CircleID?, by actor: Principal?) async throws {
        let record = try await target(id: id, in: circle, by: actor, action: .revoke)
        guard try await administration.store.revokeKey(id: record.id, at: administration.now()) else {
            throw SluiceError.notFound("no such key")
        }
        await administration.applyChanges()
    }

    /// Gives a live key a new secret; the old one stops working with the
    /// write, and the streams it opened close.
    public func rotate(id: String, in circle: CircleID?, by actor: Principal?) async throws -> IssuedKey {
        let record = try await target(id: id, in: circle, by: actor, action: .rotate)
        var generator = SystemRandomNumberGenerator()
        let token = APIKeyToken(id: record.id, secret: "").rotated(using: &generator)
        var rotated = record
        rotated.secretDigest = token.secretDigest
        guard try await administration.store.replaceKeySecret(id: record.id, digest: token.secretDigest) else {
            throw SluiceError.notFound("no such key")
        }
        await administration.applyChanges()
        return IssuedKey(record: rotated, key: token)
    }

    /// The live key `id` after checking the actor may act on it: a key of
    /// the circle that holds nothing the actor lacks.
    func target(id: String, in circle: CircleID?, by actor: Principal?, action: Grant.Action) async throws -> APIKeyRecord {
        let grant: Grant
        if let circle {
            grant = try await administration.grant(of: actor, .keysManage, in: circle)
        } else {
            guard actor == nil else { throw SluiceError.forbidden() }
            grant = .everything
        }
        guard let record = try await administration.store.key(id: id), record.revokedAt == nil, circle == nil || record.circle == circle
        else { throw SluiceError.notFound("no such key") }
        if let keyCircle = record.circle {
            let held = Grant(scopes: record.scopes, subjects: record.subjects, face: record.face, expiresAt: record.expiresAt)
            try grant.authorize(action, held, faces: administration.faces(of: keyCircle))
        }
        return record
    }
}
