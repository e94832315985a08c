import SluiceCore

/// A webhook subscription as stored. The secrets are kept in the clear
/// because every delivery is signed with them; they never leave the store
/// except to sign, and to be shown once at creation and rotation.
public struct WebhookRecord: Sendable, Equatable {
    public let id: String
    public let circle: CircleID
    public var url: String
    public var subjects: PatternList
    public var face: String
    public var description: String?
    /// The current `whsec_` secret.
    public var secret: String
    /// The secret before the last rotation, still signing until `previousSecretUntil`.
    public var previousSecret: String?
    public var previousSecretUntil: Timestamp?
    public var enabled: Bool
    /// `gone`, `failing` or `manual` while disabled.
    public var disabledReason: String?
    /// The highest event sequence already turned into deliveries.
    public var cursor: Int64
    /// The first failure since the last success, for the 5-day rule.
    public var failingSince: Timestamp?
    public let createdAt: Timestamp

    public init(
        id: String, circle: CircleID, url: String, subjects: PatternList, face: String, description: String?, secret: String,
        previousSecret: String? = nil, previousSecretUntil: Timestamp? = nil, enabled: Bool = true, disabledReason: String? = nil,
        cursor: Int64, failingSince: Timestamp? = nil, createdAt: Timestamp
    ) {
        self.id = id
        self.circle = circle
        self.url = url
        self.subjects = subjects
        self.face = face
        self.description = description
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretUntil = previousSecretUntil
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.cursor = cursor
        self.failingSince = failingSince
        self.createdAt = createdAt
    }
}

/// Where a delivery stands.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    case pending, succeeded, failed
}

/// One event to deliver to one subscription, with what its attempts came to.
public struct DeliveryRecord: Sendable, Equatable {
    public let webhook: String
    /// The event's sequence number (its id).
    public let sequence: Int64
    public var status: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Timestamp?
    public var lastStatus: Int?
    public var lastError: String?
    public var lastAttemptAt: Timestamp?
    public let createdAt: Timestamp

    public init(
        webhook: String, sequence: Int64, status: DeliveryStatus, attempts: Int, nextAttemptAt: Timestamp?, lastStatus: Int?,
        lastError: String?, lastAttemptAt: Timestamp?, createdAt: Timestamp
    ) {
        self.webhook = webhook
        self.sequence = sequence
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.lastAttemptAt = lastAttemptAt
        self.createdAt = createdAt
    }
}

/// What one attempt left behind, written in one transaction.
public struct DeliveryAttempt: Sendable, Equatable {
    public let status: DeliveryStatus
    /// When `status` is pending: the next attempt.
    public let nextAttemptAt: Timestamp?
    public let httpStatus: Int?
    public let error: String?
    public let at: Timestamp
    /// Whether the attempt counts as the endpoint failing (for the 5-day rule);
    /// false for a delivery that could not even be made (its event is gone).
    public let countsAsFailure: Bool

    public init(
        status: DeliveryStatus, nextAttemptAt: Timestamp?, httpStatus: Int?, error: String?, at: Timestamp, countsAsFailure: Bool = true
    ) {
        self.status = status
        self.nextAttemptAt = nextAttemptAt
        self.httpStatus = httpStatus
        self.error = error
        self.at = at
        self.countsAsFailure = countsAsFailure
    }
}

/// Counts of a subscription's deliveries by status, for listings.
public struct DeliveryCounts: Sendable, Equatable {
    public let pending: Int
    public let failed: Int

    public init(pending: Int, failed: Int) {
        self.pending = pending
        self.failed = failed
    }
}
