import Foundation
import SluiceCore
import SluiceStore

/// One stream as its writer sees it: the preamble, then the history after the
/// resume point, then live frames, with no gap and no duplicate across the
/// switch. `next()` returns the bytes to write next, several frames at once
/// when the reader is behind, and nil when the stream is over.
public final class EventStream: Sendable {
    public let subscription: Subscription
    private let hub: Hub
    private let store: any EventStore
    private let progress: Progress

    /// Where the stream stands; touched only by its single writer task.
    private final class Progress: @unchecked Sendable {
        // Only the one task that calls `next()` reads or writes these; the
        // stream is never shared between writers.
        var preamble: [UInt8]?
        var replayCursor: Int64?
        var finished = false
    }

    init(subscription: Subscription, hub: Hub, store: any EventStore, preamble: [UInt8], replayFrom: Int64?) {
        self.subscription = subscription
        self.hub = hub
        self.store = store
        self.progress = Progress()
        progress.preamble = preamble
        progress.replayCursor = replayFrom
        // A live-only stream has no history to write: release held frames now.
        if replayFrom == nil { _ = subscription.finishReplay() }
    }

    public var spec: StreamSpec { subscription.spec }

    /// The next bytes to write, or nil when the stream has ended.
    public func next() async throws -> [UInt8]? {
        if progress.finished { return finish() }
        if let chunk = try await nextBeforeLive() { return chunk }
        guard let frames = await subscription.nextFrames() else { return finish() }
        var out: [UInt8] = []
        out.reserveCapacity(frames.reduce(0) { $0 + $1.bytes.count })
        for frame in frames {
            out.append(contentsOf: frame.bytes)
            if frame.endsStream {
                subscription.close(.finished)
                progress.finished = true
                break
            }
        }
        return out
    }

    /// The preamble and the history, a chunk at a time; nil once the stream
    /// is live (then `subscription` delivers) or over. A writer that drains
    /// live frames itself calls this, then attaches its sink.
    public func nextBeforeLive() async throws -> [UInt8]? {
        if progress.finished { return nil }
        if let preamble = progress.preamble {
            progress.preamble = nil
            return preamble
        }
        while let cursor = progress.replayCursor {
            // A client that left (or a shutdown) ends the replay at once,
            // even when the pages read so far matched nothing to write.
            guard subscription.closeReason == nil else {
                progress.replayCursor = nil
                return nil
            }
            try Task.checkCancellation()
            if let chunk = try await replayPage(after: cursor) { return chunk }
        }
        return nil
    }

    /// The preamble of a live-only stream, taken once, without waiting (for
    /// writers on an event loop); nil when the stream has history to replay.
    public func takeLivePreamble() -> [UInt8]? {
        guard progress.replayCursor == nil, !progress.finished else { return nil }
        defer { progress.preamble = nil }
        return progress.preamble ?? []
    }

    /// Whether the stream ended while replaying (a finished run).
    public var endedBeforeLive: Bool { progress.finished }

    /// Writes one page of history; switches to live when the log is exhausted.
    private func replayPage(after cursor: Int64) async throws -> [UInt8]? {
        let spec = subscription.spec
        let page: [StoredEvent]
        if let run = spec.run {
            page = try await store.events(in: spec.circle, run: run, after: cursor, limit: hub.limits.replayPage)
        } else {
            page = try await store.events(in: spec.circle, after: cursor, limit: hub.limits.replayPage)
        }
        guard !page.isEmpty else {
            switch subscription.finishReplay() {
            case .live: progress.replayCursor = nil
            case .replayAgain(let after): progress.replayCursor = after
            case .closed: progress.replayCursor = nil
            }
            return nil
        }
        let policies = hub.policies.snapshot
        var out: [UInt8] = []
        for event in page {
            progress.replayCursor = event.sequence
            subscription.replayed(through: event.sequence)
            guard spec.wants(event) else { continue }
            if let frame = FrameRenderer.render(event, spec: spec, policies: policies) { out.append(contentsOf: frame) }
            if spec.ends(with: event) {
                subscription.close(.finished)
                progress.replayCursor = nil
                progress.finished = !out.isEmpty
                return out.isEmpty ? nil : out
            }
        }
        return out.isEmpty ? nil : out
    }

    private func finish() -> [UInt8]? {
        progress.finished = true
        hub.unregister(subscription)
        return nil
    }

    /// Ends the stream from outside (client gone, shutdown).
    public func close(_ reason: CloseReason) {
        subscription.close(reason)
    }

    /// Releases the stream's place in the hub; safe to call more than once.
    public func release() {
        subscription.close(.clientGone)
        hub.unregister(subscription)
    }
}

extension Hub {
    /// Opens a stream: registers it, decides the resume point, and builds the
    /// preamble (`retry`, `connected`, and `reset` when the resume point is
    /// older than retention).
    ///
    /// - Parameter resumeAfter: the sequence from `Last-Event-ID`, or nil for
    ///   live only (run streams always start from their history).
    public func open(_ spec: StreamSpec, resumeAfter: Int64?, lastEventIDText: String?, store: any EventStore) async throws -> EventStream {
        guard needsSlot(spec) else {
            return try await open(spec, resumeAfter: resumeAfter, lastEventIDText: lastEventIDText, store: store, slot: nil)
        }
        // Counted over every node: the slot is taken before the stream is
        // registered and given back if it never opens.
        guard let slot = try await takeSlot(for: spec) else { throw SluiceError.tooManyConnections() }
        do {
            return try await open(spec, resumeAfter: resumeAfter, lastEventIDText: lastEventIDText, store: store, slot: slot)
        } catch {
            giveBack(slot: slot)
            throw error
        }
    }

    private func open(
        _ spec: StreamSpec, resumeAfter: Int64?, lastEventIDText: String?, store: any EventStore, slot: Int64?
    ) async throws -> EventStream {
        if resumeAfter == nil, spec.run == nil, let live = try openLive(spec, store: store, slot: slot) { return live }
        let bounds = try await store.bounds(of: spec.circle)
        if let resumeAfter, resumeAfter > bounds.latest {
            throw SluiceError.invalidField("last_event_id", "is beyond the newest event of this stream")
        }
        var cursor = resumeAfter ?? (spec.run != nil ? 0 : bounds.latest)
        var reset: Int64?
        if cursor < bounds.trimmedThrough {
            if (resumeAfter ?? 0) > 0 { reset = bounds.trimmedThrough + 1 }
            cursor = bounds.trimmedThrough
        }
        let subscription = try register(spec, cursor: cursor, newest: bounds.latest, slot: slot)
        // Events committed between reading the bounds and registering are in
        // the log; replaying from `cursor` picks them up (duplicates are dropped).
        return EventStream(
            subscription: subscription, hub: self, store: store,
            preamble: preamble(spec, lastEventIDText: lastEventIDText, resetTo: reset), replayFrom: cursor)
    }

    /// Opens a live-only stream without touching the store, when the hub knows
    /// the circle's newest sequence; nil otherwise (use `open`). Throws what
    /// registration throws (429, shutting down).
    /// A stream whose connections are counted over every node needs a slot
    /// from the store first (`needsSlot`), so it is never opened here but
    /// with `openLive(_:store:takenSlot:)` once `takeSlot(for:)` has one.
    public func openLive(_ spec: StreamSpec, store: any EventStore) throws(SluiceError) -> EventStream? {
        if needsSlot(spec) { return nil }
        return try openLive(spec, store: store, slot: nil)
    }

    /// Whether a stream of `spec` takes a slot in the store before it opens:
    /// its share token's connections are counted over every node.
    public func needsSlot(_ spec: StreamSpec) -> Bool {
        guard slots != nil, spec.maximumConnections != nil, case .shareToken = spec.credential else { return false }
        return true
    }

    /// Takes one of the share token's slots for a stream of `spec`; nil when
    /// every one is taken, or when `spec` needs none.
    public func takeSlot(for spec: StreamSpec) async throws -> Int64? {
        guard let slots, let maximum = spec.maximumConnections, case .shareToken(let jti) = spec.credential else { return nil }
        return try await slots.acquire(jti: jti, maximum: maximum)
    }

    /// Gives back a slot whose stream never opened.
    public func giveBack(slot: Int64) {
        slots?.release(slot)
    }

    /// Opens a live-only stream on a slot taken with `takeSlot(for:)`, as
    /// `openLive(_:store:)` does; the slot is given back when the stream
    /// does not open (nil or thrown), and with the stream otherwise.
    public func openLive(_ spec: StreamSpec, store: any EventStore, takenSlot slot: Int64) throws(SluiceError) -> EventStream? {
        do {
            if let stream = try openLive(spec, store: store, slot: slot) { return stream }
        } catch {
            giveBack(slot: slot)
            throw error
        }
        giveBack(slot: slot)
        return nil
    }

    private func openLive(_ spec: StreamSpec, store: any EventStore, slot: Int64?) throws(SluiceError) -> EventStream? {
        guard let (subscription, _) = try registerLive(spec, slot: slot) else { return nil }
        return EventStream(subscription: subscription, hub: self, store: store, preamble: livePreamble(spec), replayFrom: nil)
    }

    private func livePreamble(_ spec: StreamSpec) -> [UInt8] {
        let key = LivePreambleKey(circle: spec.circle, face: spec.face, subjects: spec.subjects.description, naming: spec.naming)
        if let cached = livePreambles.withLock({ $0[key] }) { return cached }
        let preamble = preamble(spec, lastEventIDText: nil, resetTo: nil)
        livePreambles.withLock { cache in
            if cache.count >= 1024 { cache.removeAll(keepingCapacity: true) }
            cache[key] = preamble
        }
        return preamble
    }

    private func preamble(_ spec: StreamSpec, lastEventIDText: String?, resetTo oldest: Int64?) -> [UInt8] {
        // WebSocket streams carry envelopes only.
        guard spec.naming != .lines else { return [] }
        var preamble = SSEFrame.retry(milliseconds: limits.retryMilliseconds)
        let connected: JSONValue = .object([
            ("circle", .string(spec.circle.rawValue)),
            ("face", .string(spec.face)),
            ("subjects", .array(spec.subjects.strings.map(JSONValue.string))),
            ("last_event_id", lastEventIDText.map(JSONValue.string) ?? .null),
        ])
        preamble += SSEFrame.event(id: nil, name: "connected", data: Array(connected.jsonText.utf8))
        if let oldest {
            let oldestID = spec.ids.encode(sequence: oldest, circle: spec.circle)
            let body: JSONValue = .object([("reason", .string("retention")), ("oldest_id", .string(oldestID))])
            preamble += SSEFrame.event(id: nil, name: "reset", data: Array(body.jsonText.utf8))
        }
        return preamble
    }
}

/// What a live-only stream's preamble depends on.
struct LivePreambleKey: Hashable, Sendable {
    let circle: CircleID
    let face: String
    let subjects: String
    let naming: StreamSpec.Naming
}
