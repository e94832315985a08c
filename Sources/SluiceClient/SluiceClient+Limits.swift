import SluiceCore

/// A circle's fairness overrides (contract section 9): nil is the gateway's
/// default; `effective` holds the limits in force either way.
public struct CircleLimits: Sendable, Equatable {
    /// One limit in a `setLimits` call.
    public enum Change: Sendable, Equatable {
        /// Leave what is stored.
        case keep
        /// Go back to the gateway's default.
        case reset
        /// Override with this value (1 to 1 000 000 000).
        case set(Int)
    }

    public let circle: String
    public let eventsPerSecond: Int?
    public let streams: Int?
    public let effectiveEventsPerSecond: Int?
    public let effectiveStreams: Int?
    /// Everything the gateway sent.
    public let json: JSONValue

    /// Limits from their JSON as the gateway shows them; nil without a `circle`.
    public init?(json: JSONValue) {
        guard let circle = json["circle"]?.stringValue else { return nil }
        self.circle = circle
        eventsPerSecond = json["events_per_second"]?.intValue
        streams = json["streams"]?.intValue
        effectiveEventsPerSecond = json["effective"]?["events_per_second"]?.intValue
        effectiveStreams = json["effective"]?["streams"]?.intValue
        self.json = json
    }
}

extension SluiceClient {
    // MARK: Circle limits (platform:admin)

    /// The circle's overrides and the limits in force.
    public func limits(of circle: String) async throws -> CircleLimits {
        try Self.decode(try await send(.GET, "/api/circles/\(Self.segment(circle))/limits", retrying: true), CircleLimits.init)
    }

    /// Changes the circle's overrides; a running gateway applies them at once.
    /// Setting a value is idempotent, so the call is retried like a read.
    public func setLimits(
        of circle: String, eventsPerSecond: CircleLimits.Change = .keep, streams: CircleLimits.Change = .keep
    ) async throws -> CircleLimits {
        var body: [(String, JSONValue)] = []
        if let value = Self.member(eventsPerSecond) { body.append(("events_per_second", value)) }
        if let value = Self.member(streams) { body.append(("streams", value)) }
        return try Self.decode(
            try await send(.PUT, "/api/circles/\(Self.segment(circle))/limits", body: .object(body), retrying: true), CircleLimits.init)
    }

    /// The body member for a change: absent to keep, null to reset.
    static func member(_ change: CircleLimits.Change) -> JSONValue? {
        switch change {
        case .keep: return nil
        case .reset: return .null
        case .set(let value): return .number(String(value))
        }
    }
}
