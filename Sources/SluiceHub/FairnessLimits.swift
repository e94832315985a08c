/// The gateway-wide fairness defaults (contract section 9), from the
/// configuration; a circle may override either through the limits API.
public struct FairnessLimits: Sendable, Equatable {
    /// Events a circle may publish per second (a token bucket with one second of burst).
    public var eventsPerSecond: Int
    /// Streams of every kind a circle may have open at once.
    public var streams: Int

    public init(eventsPerSecond: Int = 10_000, streams: Int = 10_000) {
        self.eventsPerSecond = eventsPerSecond
        self.streams = streams
    }
}
