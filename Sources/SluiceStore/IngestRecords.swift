import SluiceCore

/// An `Idempotency-Key` as a publish carries it (contract section 3): scoped
/// by circle (the request's), credential and key, and bound to a digest of
/// the request body so the same key with another body is told apart.
public struct IdempotencyClaim: Sendable, Equatable {
    /// How long a recorded answer is replayed: 24 hours.
    public static let lifetimeMilliseconds: Int64 = 24 * 3_600 * 1_000

    /// The credential that published, as stored (`key:ID`, `session:DIGEST`).
    public let credential: String
    public let key: String
    /// Hex SHA-256 of the exact request body.
    public let bodyDigest: String

    public init(credential: String, key: String, bodyDigest: String) {
        self.credential = credential
        self.key = key
        self.bodyDigest = bodyDigest
    }
}

/// What the first request with a key was answered, replayed to every retry.
/// Only answers the log decided are recorded: the events committed, or the
/// batch refused by the lifecycle contract (409). Anything refused before
/// the log was asked (bad input, rate limit, shutdown) is not, so a retry runs again.
public enum IdempotentAnswer: Sendable, Equatable {
    /// 201 with these ids.
    case created(ids: [Int64])
    /// The batch's own error (a lifecycle violation), replayed as it was.
    case refused(SluiceError)
}

extension IdempotentAnswer {
    /// The columns an engine stores the answer in: the status, and either
    /// the first id and count (created) or the error's code and detail.
    public var columns: (status: Int, firstSequence: Int64?, eventCount: Int64?, errorCode: String?, errorDetail: String?) {
        switch self {
        case .created(let ids): return (201, ids.first ?? 0, Int64(ids.count), nil, nil)
        case .refused(let error): return (error.status, nil, nil, error.code, error.detail)
        }
    }
}

/// How one `AppendRequest` of a group commit ended.
public enum AppendOutcome: Sendable, Equatable {
    /// Committed now: new events to fan out.
    case committed([StoredEvent])
    /// Refused: nothing of the request stored.
    case refused(SluiceError)
    /// The claim's key already answered a request with this body: its answer,
    /// and nothing new stored.
    case replayed(IdempotentAnswer)
}

/// A circle's own fairness limits (contract section 9); nil is the gateway's default.
public struct CircleLimitsRecord: Sendable, Equatable {
    public var eventsPerSecond: Int?
    public var streams: Int?

    public init(eventsPerSecond: Int? = nil, streams: Int? = nil) {
        self.eventsPerSecond = eventsPerSecond
        self.streams = streams
    }
}

/// One field of a limits update: keep what is stored, go back to the default, or set a value.
public enum LimitChange: Sendable, Equatable {
    case keep
    case reset
    case set(Int)

    func applied(to current: Int?) -> Int? {
        switch self {
        case .keep: return current
        case .reset: return nil
        case .set(let value): return value
        }
    }
}

extension EventStore {
    /// The one typed call behind `PUT /api/circles/{circle}/limits` and
    /// `sluice circles limits`: applies the changes to the stored overrides;
    /// nil when the circle does not exist.
    public func updateCircleLimits(
        _ circle: CircleID, eventsPerSecond: LimitChange, streams: LimitChange, at: Timestamp
    ) async throws -> CircleLimitsRecord? {
        guard try await circleExists(circle) else { return nil }
        let current = try await circleLimits()[circle] ?? CircleLimitsRecord()
        let updated = CircleLimitsRecord(
            eventsPerSecond: eventsPerSecond.applied(to: current.eventsPerSecond), streams: streams.applied(to: current.streams))
        guard try await setCircleLimits(updated, for: circle, at: at) else { return nil }
        return updated
    }
}
