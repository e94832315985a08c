import Foundation
import Synchronization
import SluiceCore
import SluiceStore

/// Subscriptions and fan-out. Each circle has a subject trie of its open
/// streams, so an event reaches its subscribers without testing every one.
/// Each event is rendered once per face, naming mode and id style; those bytes
/// are shared by every subscriber that reads through them.
public final class Hub: Sendable {
    private struct CircleStreams: Sendable {
        var index = SubjectTrie<UInt64>()
        var members: [UInt64: Subscription] = [:]
    }

    private struct State: Sendable {
        var nextID: UInt64 = 1
        var circles: [CircleID: CircleStreams] = [:]
        var byCredential: [Principal.Credential: Set<UInt64>] = [:]
        var all: [UInt64: Subscription] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    public let policies: PolicyStore
    public let limits: HubLimits

    public init(policies: PolicyStore, limits: HubLimits = HubLimits()) {
        self.policies = policies
        self.limits = limits
    }

    /// Registers a stream whose history ends at `cursor`. Live events are held
    /// from this moment, so nothing committed afterwards can be missed.
    /// Throws 429 when the credential has `maximumConnections` streams open.
    func register(_ spec: StreamSpec, cursor: Int64) throws(SluiceError) -> Subscription {
        try state.withLock { (state) throws(SluiceError) -> Subscription in
            guard !state.closed else { throw SluiceError.unavailable() }
            if let maximum = spec.maximumConnections, (state.byCredential[spec.credential]?.count ?? 0) >= maximum {
                throw SluiceError.tooManyConnections()
            }
            let id = state.nextID
            state.nextID += 1
            let subscription = Subscription(id: id, spec: spec, cursor: cursor, limits: limits)
            var streams = state.circles[spec.circle] ?? CircleStreams()
            for pattern in spec.indexPatterns { streams.index.insert(pattern, id) }
            streams.members[id] = subscription
            state.circles[spec.circle] = streams
            state.byCredential[spec.credential, default: []].insert(id)
            state.all[id] = subscription
            return subscription
        }
    }

    /// Removes a stream from every index (its writer has ended).
    func unregister(_ subscription: Subscription) {
        let spec = subscription.spec
        state.withLock { state in
            guard state.all.removeValue(forKey: subscription.id) != nil else { return }
            if var streams = state.circles[spec.circle] {
                for pattern in spec.indexPatterns { streams.index.remove(pattern, subscription.id) }
                streams.members[subscription.id] = nil
                state.circles[spec.circle] = streams.members.isEmpty ? nil : streams
            }
            state.byCredential[spec.credential]?.remove(subscription.id)
            if state.byCredential[spec.credential]?.isEmpty == true { state.byCredential[spec.credential] = nil }
        }
    }

    /// Fans committed events out, in commit order. Called only after the
    /// durable commit.
    public func publish(_ events: [StoredEvent]) {
        guard !events.isEmpty else { return }
        let policySet = policies.snapshot
        var index = 0
        while index < events.count {
            let circle = events[index].circle
            var end = index
            while end < events.count && events[end].circle == circle { end += 1 }
            let targets: [[Subscription]] = state.withLock { state in
                guard let streams = state.circles[circle] else { return [] }
                return events[index..<end].map { event in
                    streams.index.matches(event.subject).compactMap { streams.members[$0] }
                }
            }
            if !targets.isEmpty {
                for (offset, subscribers) in targets.enumerated() where !subscribers.isEmpty {
                    deliver(events[index + offset], to: subscribers, policies: policySet)
                }
            }
            index = end
        }
    }

    private func deliver(_ event: StoredEvent, to subscribers: [Subscription], policies: PolicySet) {
        var renderer = FrameRenderer(event: event, policies: policies)
        let progressOf = event.input.kind == "progress" ? event.input.invocationID : nil
        for subscriber in subscribers {
            let spec = subscriber.spec
            guard spec.wants(event) else { continue }
            let ends = spec.ends(with: event)
            if let bytes = renderer.frame(for: spec) {
                subscriber.enqueue(QueuedFrame(sequence: event.sequence, progressOf: progressOf, endsStream: ends, bytes: bytes))
            } else if ends {
                subscriber.enqueue(QueuedFrame(sequence: event.sequence, endsStream: true, bytes: []))
            }
        }
    }

    /// Closes every stream opened with `credential` (revocation).
    public func close(credential: Principal.Credential, reason: CloseReason = .revoked) {
        let targets = state.withLock { state in
            (state.byCredential[credential] ?? []).compactMap { state.all[$0] }
        }
        for subscription in targets { subscription.close(reason) }
    }

    /// Closes every stream of a circle (the circle was deleted).
    public func close(circle: CircleID) {
        let targets = state.withLock { state in Array(state.circles[circle]?.members.values ?? [:].values) }
        for subscription in targets { subscription.close(.revoked) }
    }

    /// Closes every stream and refuses new ones (shutdown).
    public func closeAll() {
        let targets = state.withLock { state in
            state.closed = true
            return Array(state.all.values)
        }
        for subscription in targets { subscription.close(.shutdown) }
    }

    /// Sends a heartbeat to every stream with nothing queued, and closes the
    /// streams whose credential expired at `now`.
    public func tick(now: Date) {
        let all = state.withLock { Array($0.all.values) }
        for subscription in all {
            if let expiry = subscription.spec.expiresAt, expiry <= now {
                subscription.close(.expired)
            }
        }
    }

    public func heartbeat() {
        let all = state.withLock { Array($0.all.values) }
        let ping = QueuedFrame(sequence: 0, bytes: SSEFrame.ping)
        for subscription in all { subscription.enqueue(ping) }
    }

    /// Open streams, for metrics and tests.
    public var streamCount: Int { state.withLock { $0.all.count } }

    /// Open streams of one credential.
    public func streamCount(credential: Principal.Credential) -> Int {
        state.withLock { $0.byCredential[credential]?.count ?? 0 }
    }
}
