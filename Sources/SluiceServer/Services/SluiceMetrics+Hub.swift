import SluiceCore
import SluiceHub

/// The hub's stream figures, written to the gateway's registry.
extension SluiceMetrics: HubFigures {
    public func streamOpened(_ kind: StreamKind) {
        openedByKind[kind]?.increment()
        openByKind[kind]?.increment()
    }

    public func streamClosed(_ kind: StreamKind) {
        openByKind[kind]?.decrement()
    }

    public func eventsCommitted(_ count: Int) {
        eventsIngested.increment(by: Int64(count))
    }

    public func delivered(_ frames: [QueuedFrame], kind: StreamKind, at now: ContinuousClock.Instant) {
        var events: Int64 = 0
        for frame in frames where frame.sequence != 0 {
            events += 1
            if let committed = frame.committedAt { deliveryLagSeconds.record(now - committed) }
        }
        if events > 0 { deliveredByKind[kind]?.increment(by: events) }
    }

    public func progressCoalesced(_ count: Int) {
        coalescedFrames.increment(by: Int64(count))
    }

    public func closedFallingBehind(_ kind: StreamKind) {
        registry.makeCounter(descriptor: Self.slowClosed, labels: [("kind", kind.rawValue)]).increment()
    }
}
