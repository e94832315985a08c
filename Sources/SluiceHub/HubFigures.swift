import SluiceCore

/// What the hub tells the gateway's metrics about its streams, so the hub
/// stays free of any metrics back end. The server's `SluiceMetrics`
/// conforms; `HubFigures.none` ignores everything (tests of the hub alone).
public protocol HubFigures: Sendable {
    /// A stream registered in the hub.
    func streamOpened(_ kind: StreamKind)
    /// A stream left the hub.
    func streamClosed(_ kind: StreamKind)
    /// `count` committed events reached the hub (every ingest path).
    func eventsCommitted(_ count: Int)
    /// Live frames handed to a stream's writer; `committedAt` of each event
    /// frame gives the delivery lag.
    func delivered(_ frames: [QueuedFrame], kind: StreamKind, at now: ContinuousClock.Instant)
    /// Queued `progress` frames dropped in favour of a newer one.
    func progressCoalesced(_ count: Int)
    /// A stream closed because its reader fell behind its queue limit.
    func closedFallingBehind(_ kind: StreamKind)
}

/// Which kind of stream a spec opens, for metrics labels (a fixed set).
public enum StreamKind: String, Sendable, CaseIterable {
    case authenticatedSSE = "sse"
    case publicSSE = "public_sse"
    case webSocket = "websocket"
    case run
}

extension StreamSpec {
    public var kind: StreamKind {
        if naming == .lines { return .webSocket }
        if run != nil { return .run }
        return opaqueIDs ? .publicSSE : .authenticatedSSE
    }
}

/// Figures that go nowhere.
public struct NoHubFigures: HubFigures {
    public init() {}
    public func streamOpened(_ kind: StreamKind) {}
    public func streamClosed(_ kind: StreamKind) {}
    public func eventsCommitted(_ count: Int) {}
    public func delivered(_ frames: [QueuedFrame], kind: StreamKind, at now: ContinuousClock.Instant) {}
    public func progressCoalesced(_ count: Int) {}
    public func closedFallingBehind(_ kind: StreamKind) {}
}
