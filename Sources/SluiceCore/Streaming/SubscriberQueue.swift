/// One frame waiting for a subscriber, with what backpressure needs to know.
public struct QueuedFrame: Sendable, Equatable {
    /// The event's sequence number; 0 for control frames such as heartbeats.
    public let sequence: Int64
    /// The invocation of a `progress` event, which may be coalesced to its newest.
    public let progressOf: String?
    /// The run stream ends after writing this frame.
    public let endsStream: Bool
    public let bytes: [UInt8]
    /// When the hub received the committed event, as the time since
    /// `clockBase`. `ContinuousClock.Instant` is a resilient type: a field of
    /// it would give the frame no fixed layout, and every copy of a frame on
    /// the delivery path would go through the runtime's value witnesses.
    private let committedSinceBase: Duration?

    private static let clockBase = ContinuousClock.now

    /// When the hub received the committed event, for the delivery-lag metric.
    public var committedAt: ContinuousClock.Instant? { committedSinceBase.map { QueuedFrame.clockBase + $0 } }

    public init(
        sequence: Int64, progressOf: String? = nil, endsStream: Bool = false, bytes: [UInt8], committedAt: ContinuousClock.Instant? = nil
    ) {
        self.sequence = sequence
        self.progressOf = progressOf
        self.endsStream = endsStream
        self.bytes = bytes
        self.committedSinceBase = committedAt.map { $0 - QueuedFrame.clockBase }
    }
}

/// Why a stream ended.
public enum CloseReason: String, Sendable, Equatable {
    case overflow, revoked, expired, clientGone = "client_gone", shutdown, finished, policy
}

/// A subscriber's life as a value type: replaying history while live events
/// are held, then live, then closed. Methods return what the owner must do,
/// so the whole thing is tested without I/O.
///
/// Bounded: past `maximumFrames` or `maximumBytes` queued, `progress` frames
/// of one invocation are coalesced to the newest; if that is not enough the
/// subscriber is closed with `.overflow` and resumes from the log. A terminal
/// frame is never dropped.
public struct SubscriberQueue: Sendable {
    public enum Phase: Sendable, Equatable {
        case replaying
        case live
        case closed(CloseReason)
    }

    public enum EnqueueAction: Sendable, Equatable {
        /// Nothing to do (held during replay, or already closed).
        case none
        /// Wake the writer: frames are ready.
        case wake
        /// The queue overflowed: the subscriber is now closed; wake the writer.
        case closed
    }

    public enum Drain: Sendable, Equatable {
        case frames([QueuedFrame])
        case empty
        case closed(CloseReason)
    }

    public enum ReplayEnd: Sendable, Equatable {
        /// Live from here; held frames are ready if any.
        case live(wake: Bool)
        /// Live frames overflowed while replaying: read the log again after `cursor`.
        case replayAgain(after: Int64)
        case closed(CloseReason)
    }

    public private(set) var phase: Phase = .replaying
    public private(set) var frames: [QueuedFrame] = []
    public private(set) var byteCount = 0
    /// Highest sequence written to the client.
    public private(set) var lastDelivered: Int64
    private var overflowedWhileReplaying = false
    public let maximumFrames: Int
    public let maximumBytes: Int

    public init(after cursor: Int64, maximumFrames: Int = 4096, maximumBytes: Int = 4 << 20) {
        self.lastDelivered = cursor
        self.maximumFrames = maximumFrames
        self.maximumBytes = maximumBytes
    }

    public var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// A live event or control frame arrives.
    public mutating func enqueue(_ frame: QueuedFrame) -> EnqueueAction {
        switch phase {
        case .closed:
            return .none
        case .replaying:
            if overflowedWhileReplaying { return .none }
            if frames.count >= maximumFrames || byteCount + frame.bytes.count > maximumBytes {
                // The log has all of it: drop what is held and read again.
                frames.removeAll()
                byteCount = 0
                overflowedWhileReplaying = true
                return .none
            }
            append(frame)
            return .none
        case .live:
            if frame.sequence == 0 && !frames.isEmpty { return .none }
            if frames.count >= maximumFrames || byteCount + frame.bytes.count > maximumBytes {
                if let invocation = frame.progressOf { removeProgress(of: invocation) }
                coalesceProgress()
            }
            if frames.count >= maximumFrames || byteCount + frame.bytes.count > maximumBytes {
                frames.removeAll()
                byteCount = 0
                phase = .closed(.overflow)
                return .closed
            }
            append(frame)
            return .wake
        }
    }

    /// A frame of history was written to the client.
    public mutating func replayed(through sequence: Int64) {
        if sequence > lastDelivered { lastDelivered = sequence }
    }

    /// History is written up to `lastDelivered`: switch to live.
    public mutating func finishReplay() -> ReplayEnd {
        if case .closed(let reason) = phase { return .closed(reason) }
        if overflowedWhileReplaying {
            overflowedWhileReplaying = false
            return .replayAgain(after: lastDelivered)
        }
        phase = .live
        frames.removeAll { $0.sequence != 0 && $0.sequence <= lastDelivered }
        byteCount = frames.reduce(0) { $0 + $1.bytes.count }
        return .live(wake: !frames.isEmpty)
    }

    /// Takes everything ready for the writer, in order, without duplicates.
    public mutating func drain() -> Drain {
        switch phase {
        case .closed(let reason):
            return .closed(reason)
        case .replaying:
            return .empty
        case .live:
            guard !frames.isEmpty else { return .empty }
            var out: [QueuedFrame] = []
            out.reserveCapacity(frames.count)
            for frame in frames where frame.sequence == 0 || frame.sequence > lastDelivered {
                out.append(frame)
                if frame.sequence > lastDelivered { lastDelivered = frame.sequence }
            }
            frames.removeAll(keepingCapacity: true)
            byteCount = 0
            return out.isEmpty ? .empty : .frames(out)
        }
    }

    /// Closes; returns true when this call closed it.
    public mutating func close(_ reason: CloseReason) -> Bool {
        if case .closed = phase { return false }
        phase = .closed(reason)
        frames.removeAll()
        byteCount = 0
        return true
    }

    private mutating func append(_ frame: QueuedFrame) {
        frames.append(frame)
        byteCount += frame.bytes.count
    }

    private mutating func removeProgress(of invocation: String) {
        frames.removeAll { $0.progressOf == invocation }
        byteCount = frames.reduce(0) { $0 + $1.bytes.count }
    }

    /// Keeps only the newest queued `progress` frame of each invocation.
    private mutating func coalesceProgress() {
        var seen = Set<String>()
        var kept: [QueuedFrame] = []
        for frame in frames.reversed() {
            if let invocation = frame.progressOf {
                if !seen.insert(invocation).inserted { continue }
            }
            kept.append(frame)
        }
        frames = kept.reversed()
        byteCount = frames.reduce(0) { $0 + $1.bytes.count }
    }
}
