import SluiceCore

/// A circle as stored.
public struct CircleRecord: Sendable, Equatable {
    public let id: CircleID
    public let createdAt: Timestamp
    /// Random, new each time a circle with this id is created: credentials
    /// are bound to it, so nothing of a deleted circle works in a new one.
    public let incarnation: String

    public init(id: CircleID, createdAt: Timestamp, incarnation: String = "") {
        self.id = id
        self.createdAt = createdAt
        self.incarnation = incarnation
    }
}

/// An API key as stored: never the secret, only its SHA-256 digest.
public struct APIKeyRecord: Sendable, Equatable {
    public let id: String
    /// nil for a platform key.
    public let circle: CircleID?
    public let name: String?
    public let scopes: Set<Scope>
    public let subjects: PatternList
    public let face: String
    public var secretDigest: String
    public let createdAt: Timestamp
    public let expiresAt: Timestamp?
    public var revokedAt: Timestamp?
    public var lastUsedAt: Timestamp?
    /// The incarnation of `circle` the key was created in (the store sets
    /// it); nil for a platform key.
    public var incarnation: String?

    public init(
        id: String, circle: CircleID?, name: String?, scopes: Set<Scope>, subjects: PatternList, face: String,
        secretDigest: String, createdAt: Timestamp, expiresAt: Timestamp?, revokedAt: Timestamp? = nil,
        lastUsedAt: Timestamp? = nil, incarnation: String? = nil
    ) {
        self.id = id
        self.circle = circle
        self.name = name
        self.scopes = scopes
        self.subjects = subjects
        self.face = face
        self.secretDigest = secretDigest
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
        self.incarnation = incarnation
    }
}

/// A minted share token as stored: its claims, never the token itself.
public struct ShareTokenRecord: Sendable, Equatable {
    public let jti: String
    public let circle: CircleID
    public let element: String
    public let purpose: String
    public let subjects: PatternList
    public let origins: [String]
    public let maxConnections: Int
    public let createdAt: Timestamp
    public let expiresAt: Timestamp
    public var revokedAt: Timestamp?
    /// The incarnation of `circle` the token was minted in (the store sets
    /// it); the token's `inc` claim names it too.
    public var incarnation: String

    public init(
        jti: String, circle: CircleID, element: String, purpose: String, subjects: PatternList, origins: [String],
        maxConnections: Int, createdAt: Timestamp, expiresAt: Timestamp, revokedAt: Timestamp? = nil, incarnation: String = ""
    ) {
        self.jti = jti
        self.circle = circle
        self.element = element
        self.purpose = purpose
        self.subjects = subjects
        self.origins = origins
        self.maxConnections = maxConnections
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.incarnation = incarnation
    }
}

/// One publisher's events for one circle, appended all-or-nothing.
/// With an idempotency claim, its answer is recorded in the same transaction
/// as the events, so neither can exist without the other.
public struct AppendRequest: Sendable {
    public let circle: CircleID
    public let events: [EventInput]
    public let idempotency: IdempotencyClaim?

    public init(circle: CircleID, events: [EventInput], idempotency: IdempotencyClaim? = nil) {
        self.circle = circle
        self.events = events
        self.idempotency = idempotency
    }
}

/// Where a circle's log stands: the newest sequence and the highest one removed by retention.
public struct LogBounds: Sendable, Equatable {
    public let latest: Int64
    public let trimmedThrough: Int64

    public init(latest: Int64, trimmedThrough: Int64) {
        self.latest = latest
        self.trimmedThrough = trimmedThrough
    }
}
