import Foundation
import SluiceCore
import SluiceStore

extension Hub {
    /// Fans out events of a shared log in sequence order, each at most once:
    /// events from this node's ingest (`completeAfter` nil) must continue
    /// each circle's newest sequence exactly, and when they do not, the
    /// circle is handed to the `EventFollower`, which reads the missing range
    /// and comes back here with the page it read after `completeAfter`.
    /// Calls are serialized, so two paths never interleave their deliveries.
    func publishInOrder(_ events: [StoredEvent], completeAfter: Int64?) {
        var lagging = Set<CircleID>()
        deliveryOrder.withLock { _ in
            let committedAt = ContinuousClock.now
            let policySet = policies.snapshot
            var index = 0
            while index < events.count {
                let circle = events[index].circle
                var end = index
                while end < events.count && events[end].circle == circle { end += 1 }
                let group = Array(events[index..<end])
                let (taken, targets, gap): (Range<Int>, [[Subscription]], Bool) = state.withLock { state in
                    let admission = SequenceAdmission.admit(
                        group.map(\.sequence), latest: state.latest[circle], completeAfter: completeAfter)
                    state.latest[circle] = admission.latest
                    guard state.circles[circle] != nil, !admission.taken.isEmpty else { return (admission.taken, [], admission.gap) }
                    let targets = group[admission.taken].map { event in state.circles[circle]?.subscribers(of: event.subject) ?? [] }
                    return (admission.taken, targets, admission.gap)
                }
                if gap { lagging.insert(circle) }
                if !taken.isEmpty { figures.eventsCommitted(taken.count) }
                for (offset, subscribers) in targets.enumerated() where !subscribers.isEmpty {
                    deliver(group[taken.lowerBound + offset], to: subscribers, policies: policySet, committedAt: committedAt)
                }
                index = end
            }
        }
        if !lagging.isEmpty { followRequests.request(lagging) }
    }

    /// Hands the hub a page of `circle`'s log read after `after` (by the
    /// `EventFollower`): every retained event past that point, oldest first.
    public func publishFollowed(_ page: [StoredEvent], after: Int64) {
        guard !page.isEmpty else { return }
        publishInOrder(page, completeAfter: after)
    }

    /// The newest sequence delivered for `circle`, or nil when the hub does not follow it.
    public func latestSequence(of circle: CircleID) -> Int64? {
        state.withLock { $0.latest[circle] }
    }

    /// Every circle whose newest sequence the hub keeps.
    public var followedCircles: Set<CircleID> {
        state.withLock { Set($0.latest.keys) }
    }

    /// The circles with at least one open stream.
    public var streamedCircles: Set<CircleID> {
        state.withLock { Set($0.circles.keys) }
    }
}
