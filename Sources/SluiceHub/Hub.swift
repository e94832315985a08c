import Foundation
import SluiceCore
import SluiceStore
import Synchronization

/// Subscriptions and fan-out. Each circle has a subject trie of its open
/// streams, so an event reaches its subscribers without testing every one.
/// Each event is rendered once per face, naming mode and id style; those bytes
/// are shared by every subscriber that reads through them.
public final class Hub: Sendable {
    struct CircleStreams: Sendable {
        private(set) var index = SubjectTrie<UInt64>()
        private(set) var members: [UInt64: Subscription] = [:]
        /// The streams that want a subject, by subject, kept until a stream of
        /// the circle opens or closes: the many viewers of one widget want the
        /// same subjects, so each event's subscribers are looked up once, not
        /// once per event.
        private var wanting: [Subject: [Subscription]] = [:]
        /// Most subjects kept in `wanting`; past it the table starts again.
        static let wantingLimit = 256

        mutating func add(_ subscription: Subscription, patterns: [SubjectPattern]) {
            for pattern in patterns { index.insert(pattern, subscription.id) }
            members[subscription.id] = subscription
            wanting.removeAll()
        }

        mutating func remove(_ subscription: Subscription, patterns: [SubjectPattern]) {
            for pattern in patterns { index.remove(pattern, subscription.id) }
            members[subscription.id] = nil
            wanting.removeAll()
        }

        /// The open streams whose subject index matches `subject`, each once.
        mutating func subscribers(of subject: Subject) -> [Subscription] {
            if let known = wanting[subject] { return known }
            let found = index.matches(subject).compactMap { members[$0] }
            if wanting.count >= Self.wantingLimit { wanting.removeAll(keepingCapacity: true) }
            wanting[subject] = found
            return found
        }
    }

    struct State: Sendable {
        var nextID: UInt64 = 1
        var circles: [CircleID: CircleStreams] = [:]
        var byCredential: [Principal.Credential: Set<UInt64>] = [:]
        var all: [UInt64: Subscription] = [:]
        var closed = false
        /// The newest sequence handed to `publish` per circle, for circles the
        /// hub has been told about; lets a live-only stream open without the store.
        var latest: [CircleID: Int64] = [:]
        /// Render slots by (face, naming, id style).
        var renderSlots: [FrameRenderer.Key: Int] = [:]
        /// No open stream's credential expires before this (nil: none
        /// expires), so a sweep that finds nothing due costs one comparison,
        /// not a look at every stream. It may be early (the stream that set
        /// it has closed since), never late.
        var nextExpiry: Date?
    }

    let state = Mutex(State())
    /// The preambles of live-only streams by what they show: the many viewers
    /// of one widget get the same bytes, rendered once.
    let livePreambles = Mutex<[LivePreambleKey: [UInt8]]>([:])
    public let policies: PolicyStore
    public let limits: HubLimits
    /// Per-circle fairness: the cap on open streams is enforced at registration.
    public let circleLimits: CircleLimits
    /// Where stream metrics go (the server's `SluiceMetrics`).
    public let figures: any HubFigures
    /// Whether other nodes commit to the same log (a shared store): then
    /// events arrive from this node's ingest and from the `EventFollower`,
    /// and the hub takes each circle's events strictly in sequence, once.
    public let followsStore: Bool
    /// Circles whose log the `EventFollower` should read (a gap was seen).
    public let followRequests = FollowRequests()
    /// A share token's streams counted over every node (a shared store only).
    public let slots: ConnectionSlots?
    /// Serializes delivery when events come from two paths, so each
    /// subscriber's queue receives a circle's events in sequence order.
    let deliveryOrder = Mutex(())

    public init(
        policies: PolicyStore, limits: HubLimits = HubLimits(), circleLimits: CircleLimits = CircleLimits(),
        figures: any HubFigures = NoHubFigures(), followsStore: Bool = false, slots: ConnectionSlots? = nil
    ) {
        self.policies = policies
        self.limits = limits
        self.circleLimits = circleLimits
        self.figures = figures
        self.followsStore = followsStore
        self.slots = slots
    }

    /// Registers a stream whose history ends at `cursor`. Live events are held
    /// from this moment, so nothing committed afterwards can be missed.
    /// Throws 429 when the credential has `maximumConnections` streams open,
    /// or the circle its cap of open streams.
    /// `newest` is the circle's newest committed sequence read before: when
    /// the hub follows a shared store and does not know the circle yet, it
    /// starts following it there.
    func register(_ spec: StreamSpec, cursor: Int64, newest: Int64? = nil, slot: Int64? = nil) throws(SluiceError) -> Subscription {
        let cap = circleLimits.streamCap(spec.circle)
        let follows = followsStore
        return try state.withLock { (state) throws(SluiceError) -> Subscription in
            let subscription = try Hub.insert(spec, cursor: cursor, into: &state, limits: limits, circleCap: cap, figures: figures, slot: slot)
            if follows, let newest, state.latest[spec.circle] == nil { state.latest[spec.circle] = newest }
            return subscription
        }
    }

    /// Registers a live-only stream at the newest published sequence, in the
    /// same critical section as `publish`, so no event can fall between; nil
    /// when the hub does not know the circle's newest sequence.
    func registerLive(_ spec: StreamSpec, slot: Int64? = nil) throws(SluiceError) -> (Subscription, Int64)? {
        let cap = circleLimits.streamCap(spec.circle)
        return try state.withLock { (state) throws(SluiceError) -> (Subscription, Int64)? in
            guard let latest = state.latest[spec.circle] else { return nil }
            return (try Hub.insert(spec, cursor: latest, into: &state, limits: limits, circleCap: cap, figures: figures, slot: slot), latest)
        }
    }

    /// Tells the hub a circle's newest committed sequence (at start, and 0 for
    /// a new circle). When following a shared store, a circle the hub already
    /// follows keeps its place: moving it could skip or repeat events.
    public func seed(_ circle: CircleID, latest: Int64) {
        let follows = followsStore
        state.withLock { state in
            if follows, state.latest[circle] != nil { return }
            state.latest[circle] = latest
        }
    }

    /// Forgets a deleted circle.
    public func forget(_ circle: CircleID) {
        _ = state.withLock { $0.latest.removeValue(forKey: circle) }
        circleLimits.forget(circle)
    }

    private static func insert(
        _ spec: StreamSpec, cursor: Int64, into state: inout State, limits: HubLimits, circleCap: Int, figures: any HubFigures,
        slot: Int64?
    ) throws(SluiceError) -> Subscription {
        guard !state.closed else { throw SluiceError.unavailable() }
        if let maximum = spec.maximumConnections, (state.byCredential[spec.credential]?.count ?? 0) >= maximum {
            throw SluiceError.tooManyConnections()
        }
        // Every kind of stream (SSE, public, WebSocket, run) registers here, so one count covers them all.
        if (state.circles[spec.circle]?.members.count ?? 0) >= circleCap {
            throw SluiceError.rateLimited("the circle has reached its limit of open streams", retryAfterSeconds: 5)
        }
        let id = state.nextID
        state.nextID += 1
        let key = FrameRenderer.Key(face: spec.face, naming: spec.naming, opaque: spec.opaqueIDs)
        let renderSlot = state.renderSlots[key] ?? state.renderSlots.count
        state.renderSlots[key] = renderSlot
        let subscription = Subscription(
            id: id, spec: spec, cursor: cursor, limits: limits, renderSlot: renderSlot, figures: figures, connectionSlot: slot)
        // Mutated in place through the dictionary, so neither the trie nor the
        // member table is copied per registration.
        state.circles[spec.circle, default: CircleStreams()].add(subscription, patterns: spec.indexPatterns)
        state.byCredential[spec.credential, default: []].insert(id)
        state.all[id] = subscription
        if let expiry = spec.expiresAt, state.nextExpiry.map({ expiry < $0 }) ?? true { state.nextExpiry = expiry }
        return subscription
    }

    /// Removes a stream from every index (its writer has ended).
    func unregister(_ subscription: Subscription) {
        let spec = subscription.spec
        let removed = state.withLock { state -> Bool in
            guard state.all.removeValue(forKey: subscription.id) != nil else { return false }
            figures.streamClosed(spec.kind)
            if state.circles[spec.circle] != nil {
                state.circles[spec.circle]?.remove(subscription, patterns: spec.indexPatterns)
                if state.circles[spec.circle]?.members.isEmpty == true { state.circles[spec.circle] = nil }
            }
            state.byCredential[spec.credential]?.remove(subscription.id)
            if state.byCredential[spec.credential]?.isEmpty == true { state.byCredential[spec.credential] = nil }
            return true
        }
        if removed, let slot = subscription.connectionSlot { slots?.release(slot) }
    }

    /// Fans committed events out, in commit order. Called only after the
    /// durable commit.
    public func publish(_ events: [StoredEvent]) {
        guard !events.isEmpty else { return }
        if followsStore { return publishInOrder(events, completeAfter: nil) }
        let committedAt = ContinuousClock.now
        figures.eventsCommitted(events.count)
        let policySet = policies.snapshot
        var index = 0
        while index < events.count {
            let circle = events[index].circle
            var end = index
            while end < events.count && events[end].circle == circle { end += 1 }
            let newest = events[end - 1].sequence
            let targets: [[Subscription]] = state.withLock { state in
                if let known = state.latest[circle], known < newest { state.latest[circle] = newest }
                guard state.circles[circle] != nil else { return [] }
                return events[index..<end].map { event in state.circles[circle]?.subscribers(of: event.subject) ?? [] }
            }
            if !targets.isEmpty {
                for (offset, subscribers) in targets.enumerated() where !subscribers.isEmpty {
                    deliver(events[index + offset], to: subscribers, policies: policySet, committedAt: committedAt)
                }
            }
            index = end
        }
    }

    func deliver(_ event: StoredEvent, to subscribers: [Subscription], policies: PolicySet, committedAt: ContinuousClock.Instant) {
        var renderer = FrameRenderer(event: event, policies: policies)
        let progressOf = event.input.kind == "progress" ? event.input.invocationID : nil
        for subscriber in subscribers {
            // The subject index already matched `subjects`; most streams need nothing more.
            var ends = false
            if subscriber.filtersOnDelivery {
                guard subscriber.spec.wants(event) else { continue }
                ends = subscriber.spec.ends(with: event)
            }
            if let bytes = renderer.frame(for: subscriber) {
                subscriber.enqueue(
                    QueuedFrame(sequence: event.sequence, progressOf: progressOf, endsStream: ends, bytes: bytes, committedAt: committedAt))
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
        let expired = state.withLock { state -> [Subscription] in
            guard let due = state.nextExpiry, due <= now else { return [] }
            var expired: [Subscription] = []
            var next: Date?
            for subscription in state.all.values {
                guard let expiry = subscription.spec.expiresAt else { continue }
                if expiry <= now {
                    expired.append(subscription)
                } else if next.map({ expiry < $0 }) ?? true {
                    next = expiry
                }
            }
            state.nextExpiry = next
            return expired
        }
        for subscription in expired { subscription.close(.expired) }
    }

    public func heartbeat() {
        let all = state.withLock { $0.all.values.filter { $0.spec.naming != .lines } }
        let ping = QueuedFrame(sequence: 0, bytes: SSEFrame.ping)
        for subscription in all { subscription.enqueue(ping) }
    }

    /// Open streams, for metrics and tests.
    public var streamCount: Int { state.withLock { $0.all.count } }

    /// Open streams of one circle.
    public func streamCount(circle: CircleID) -> Int {
        state.withLock { $0.circles[circle]?.members.count ?? 0 }
    }

    /// Whether `circle` may open one more stream now (checked before a
    /// WebSocket upgrade, whose refusal must come before the switch).
    public func hasStreamRoom(_ circle: CircleID) -> Bool {
        streamCount(circle: circle) < circleLimits.streamCap(circle)
    }

    /// Open streams of one credential.
    public func streamCount(credential: Principal.Credential) -> Int {
        state.withLock { $0.byCredential[credential]?.count ?? 0 }
    }
}
