import Foundation
import SluiceCore
import SluiceStore
import Synchronization

/// One open stream: its spec, its bounded queue, and the writer that waits on
/// it. The hub enqueues under the subscription's own lock, so one slow reader
/// never holds up another.
public final class Subscription: Sendable {
    public let id: UInt64
    public let spec: StreamSpec

    private struct Inner: Sendable {
        var queue: SubscriberQueue
        var waiter: CheckedContinuation<Void, Never>?
        /// Once live, a writer that drains the queue itself instead of waiting.
        var sink: (any FrameSink)?
    }

    private let inner: Mutex<Inner>

    /// The hub's number for this stream's (face, naming, id style): streams
    /// with the same number share one rendering of each event.
    let renderSlot: Int
    /// Whether delivery must check more than the subject index did (a
    /// restriction narrower than `>`, or a run).
    let filtersOnDelivery: Bool
    /// Where delivery, coalescing and cut-off are counted.
    let figures: any HubFigures
    /// The connection slot taken in the store for this stream (a share token
    /// on a shared store), given back when the stream ends.
    let connectionSlot: Int64?

    init(
        id: UInt64, spec: StreamSpec, cursor: Int64, limits: HubLimits, renderSlot: Int, figures: any HubFigures = NoHubFigures(),
        connectionSlot: Int64? = nil
    ) {
        self.id = id
        self.connectionSlot = connectionSlot
        self.spec = spec
        self.renderSlot = renderSlot
        self.figures = figures
        figures.streamOpened(spec.kind)
        self.filtersOnDelivery = spec.run != nil || spec.restriction != .all
        self.inner = Mutex(Inner(queue: SubscriberQueue(after: cursor, maximumFrames: limits.queueFrames, maximumBytes: limits.queueBytes)))
    }

    /// Why the stream closed, once it has.
    public var closeReason: CloseReason? {
        inner.withLock { inner in
            if case .closed(let reason) = inner.queue.phase { return reason }
            return nil
        }
    }

    var lastDelivered: Int64 { inner.withLock { $0.queue.lastDelivered } }

    func enqueue(_ frame: QueuedFrame) {
        typealias Wakeup = (CheckedContinuation<Void, Never>?, (any FrameSink)?, SubscriberQueue.EnqueueAction, Int)
        let (waiter, sink, action, dropped): Wakeup = inner.withLock { inner in
            let before = inner.queue.frames.count
            let action = inner.queue.enqueue(frame)
            switch action {
            case .none: return (nil, nil, action, 0)
            case .wake, .closed:
                defer { inner.waiter = nil }
                return (inner.waiter, inner.sink, action, before + 1 - inner.queue.frames.count)
            }
        }
        if action == .closed { figures.closedFallingBehind(spec.kind) } else if dropped > 0 { figures.progressCoalesced(dropped) }
        waiter?.resume()
        sink?.framesReady()
    }

    /// Closes the stream; its writer wakes and ends.
    public func close(_ reason: CloseReason) {
        let (waiter, sink): (CheckedContinuation<Void, Never>?, (any FrameSink)?) = inner.withLock { inner in
            guard inner.queue.close(reason) else { return (nil, nil) }
            defer { inner.waiter = nil }
            return (inner.waiter, inner.sink)
        }
        waiter?.resume()
        sink?.framesReady()
    }

    /// Hands live delivery to `sink`: from now on it is told when frames are
    /// ready (or the stream closed) and drains them with `takeFrames()`.
    public func attach(_ sink: any FrameSink) {
        let ready = inner.withLock { inner -> Bool in
            inner.sink = sink
            if inner.queue.isClosed { return true }
            if case .live = inner.queue.phase { return !inner.queue.frames.isEmpty }
            return false
        }
        if ready { sink.framesReady() }
    }

    /// Forgets the sink (its writer is done), breaking the reference cycle
    /// between the two.
    public func detach() {
        inner.withLock { $0.sink = nil }
    }

    /// Everything ready to write, without waiting: frames, nothing, or closed.
    public func takeFrames() -> SubscriberQueue.Drain {
        let drained = inner.withLock { $0.queue.drain() }
        if case .frames(let frames) = drained { figures.delivered(frames, kind: spec.kind, at: .now) }
        return drained
    }

    func replayed(through sequence: Int64) {
        inner.withLock { $0.queue.replayed(through: sequence) }
    }

    func finishReplay() -> SubscriberQueue.ReplayEnd {
        inner.withLock { $0.queue.finishReplay() }
    }

    /// Waits for frames; returns nil once the stream is closed.
    public func nextFrames() async -> [QueuedFrame]? {
        while true {
            let drained = inner.withLock { $0.queue.drain() }
            switch drained {
            case .frames(let frames):
                figures.delivered(frames, kind: spec.kind, at: .now)
                return frames
            case .closed: return nil
            case .empty: break
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = inner.withLock { inner -> Bool in
                        if inner.queue.isClosed { return true }
                        if case .live = inner.queue.phase, !inner.queue.frames.isEmpty { return true }
                        inner.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                self.close(.shutdown)
            }
        }
    }
}
