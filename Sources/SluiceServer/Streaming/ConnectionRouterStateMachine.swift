import NIOCore

/// What `ConnectionRouter` decides, as a value: a connection's first bytes
/// are buffered until they say where it goes, then either served in place
/// (a public stream from memory) or handed to Hummingbird and replayed, with
/// the router staying only until the first head has passed. Each event is a
/// method that moves the state on and returns what the handler must do, so
/// every transition is tested without a channel (as NIO's
/// `NIOTypedHTTPServerUpgraderStateMachine` is).
struct ConnectionRouterStateMachine {
    /// The start of every public stream request line.
    private static let prefix = Array("GET \(PublicStreamRequest.targetPrefix)".utf8)
    private static let headTerminator: [UInt8] = [13, 10, 13, 10]

    enum State {
        /// Reading the start of the request line; nil until a byte came.
        case sniffing(ByteBuffer?)
        /// A public stream request: reading up to the end of its head, which
        /// was searched for up to `searched`.
        case readingHead(ByteBuffer, searched: Int)
        /// The head is complete and recognized: the handler is trying the
        /// fast path (which may wait for a connection slot from the store);
        /// a half-close meanwhile is kept.
        case openingStream(ByteBuffer, inputClosed: Bool)
        /// Waiting for Hummingbird's child channel; bytes are kept for the
        /// replay, and so is a half-close.
        case handingOver(ByteBuffer?, inputClosed: Bool, headComplete: Bool)
        /// Handed over: bytes pass through until the first head is complete;
        /// `tail` holds the last three bytes seen, for a `\r\n\r\n` split
        /// across reads.
        case handedOver(tail: [UInt8])
        /// Served here: whatever the client sends is ignored.
        case streaming
        /// Out of the pipeline (or leaving it): everything passes.
        case left
        /// The handler closed the connection.
        case closed
        /// Only while a transition appends to the kept bytes, so that they
        /// are not copied on write.
        case modifying
    }

    private(set) var state = State.sniffing(nil)

    // MARK: Reading

    enum ReadAction: Equatable {
        /// Keep reading; the bytes were kept.
        case wait
        /// Drop the bytes: the stream served here does not read requests.
        case ignore
        /// Pass the bytes on to Hummingbird's handlers.
        case forward
        /// Pass the bytes on; the first head went with them, so the head
        /// deadline is off and the router leaves the pipeline.
        case forwardAndLeave
        /// Set Hummingbird's child channel up (then `handOverSucceeded`);
        /// when `headComplete`, the head deadline is off.
        case handOver(headComplete: Bool)
        /// A public stream head, complete and in the plain shape: the head
        /// deadline is off; try the fast path (then `streamOpened` or
        /// `streamDeclined`).
        case openStream(PublicStreamRequest)
    }

    mutating func read(_ bytes: ByteBuffer) -> ReadAction {
        switch state {
        case .sniffing(let kept):
            state = .modifying
            let received = Self.appending(bytes, to: kept)
            switch Self.matchesPrefix(received) {
            case nil:
                state = .sniffing(received)
                return .wait
            case false:
                state = .handingOver(received, inputClosed: false, headComplete: false)
                return .handOver(headComplete: false)
            case true:
                return readHead(received, searched: 0)
            }
        case .readingHead(let kept, let searched):
            state = .modifying
            return readHead(Self.appending(bytes, to: kept), searched: searched)
        case .openingStream(let kept, let inputClosed):
            // While a connection slot is taken from the store: kept for the
            // replay should the stream be declined.
            state = .modifying
            state = .openingStream(Self.appending(bytes, to: kept), inputClosed: inputClosed)
            return .wait
        case .handingOver(let kept, let inputClosed, let headComplete):
            state = .modifying
            let received = Self.appending(bytes, to: kept)
            state = .handingOver(received, inputClosed: inputClosed, headComplete: headComplete)
            return .wait
        case .handedOver(let tail):
            return pass(bytes, after: tail)
        case .streaming, .closed, .modifying:
            return .ignore
        case .left:
            return .forward
        }
    }

    /// Until the head's end arrives, only the new bytes are searched.
    private mutating func readHead(_ received: ByteBuffer, searched: Int) -> ReadAction {
        switch PublicStreamRequest.scanHead(received, from: searched) {
        case .incomplete:
            guard received.readableBytes <= PublicStreamRequest.maximumHeadSize else {
                state = .handingOver(received, inputClosed: false, headComplete: false)
                return .handOver(headComplete: false)
            }
            state = .readingHead(received, searched: received.readableBytes)
            return .wait
        case .bareLineFeed:
            // Not this shape; NIO's decoder answers it with a 400.
            state = .handingOver(received, inputClosed: false, headComplete: false)
            return .handOver(headComplete: false)
        case .complete:
            guard case .request(let request) = PublicStreamRequest.recognize(received) else {
                state = .handingOver(received, inputClosed: false, headComplete: true)
                return .handOver(headComplete: true)
            }
            state = .openingStream(received, inputClosed: false)
            return .openStream(request)
        }
    }

    /// After the hand-over: watches the bytes going to Hummingbird for the
    /// end of the first head.
    private mutating func pass(_ bytes: ByteBuffer, after tail: [UInt8]) -> ReadAction {
        var window = tail
        window.append(contentsOf: bytes.readableBytesView)
        if Self.contains(Self.headTerminator, in: window) {
            state = .left
            return .forwardAndLeave
        }
        state = .handedOver(tail: Array(window.suffix(3)))
        return .forward
    }

    // MARK: The fast path's answer

    /// Whether the fast path is still deciding (it may wait for a
    /// connection slot from the store); false once the connection closed.
    var isOpeningStream: Bool {
        if case .openingStream = state { return true }
        return false
    }

    /// The fast path serves the stream: what was read is done with.
    /// Returns `.endStream(.clientGone)` when the client half-closed while
    /// the stream was opening, else `.none`.
    mutating func streamOpened() -> EventAction {
        guard case .openingStream(_, let inputClosed) = state else { return .none }
        state = .streaming
        return inputClosed ? .endStream(.clientGone) : .none
    }

    /// The fast path cannot serve it (a token not seen before, a circle not
    /// in memory): Hummingbird answers it.
    mutating func streamDeclined() -> ReadAction {
        guard case .openingStream(let received, let inputClosed) = state else { return .ignore }
        state = .handingOver(received, inputClosed: inputClosed, headComplete: true)
        return .handOver(headComplete: true)
    }

    // MARK: The hand-over

    /// What Hummingbird's pipeline is given once it is set up.
    struct Replay: Equatable {
        /// Every byte read so far, to pass on as one read.
        var bytes: ByteBuffer?
        /// The client half-closed meanwhile: pass that on after the bytes.
        var inputClosed: Bool
        /// The first head is in `bytes` (or was complete before): the head
        /// deadline is off and the router leaves the pipeline.
        var leave: Bool
    }

    enum HandOverAction: Equatable {
        case replay(Replay)
        /// The connection was closed meanwhile: nothing to do.
        case none
    }

    mutating func handOverSucceeded() -> HandOverAction {
        guard case .handingOver(let received, let inputClosed, let headComplete) = state else { return .none }
        var leave = headComplete
        state = .handedOver(tail: [])
        if let received, !leave, case .forwardAndLeave = pass(received, after: []) { leave = true }
        if leave { state = .left }
        return .replay(Replay(bytes: received, inputClosed: inputClosed, leave: leave))
    }

    /// Hummingbird could not take the connection: it is closed.
    mutating func handOverFailed() -> CloseAction {
        closeUnlessClosed()
    }

    // MARK: Other events

    enum CloseAction: Equatable {
        case none
        /// Close the connection.
        case close
    }

    enum EventAction: Equatable {
        /// Nothing to do: the event is dropped.
        case none
        /// Pass the event on to Hummingbird's handlers.
        case forward
        /// Close the connection.
        case close
        /// Set Hummingbird's child channel up; it will be told of the
        /// half-close after the replay.
        case handOver(headComplete: Bool)
        /// End the stream served here.
        case endStream(EndReason)
    }

    /// Why a stream served here ends.
    enum EndReason: Equatable {
        case clientGone
        case shutdown
    }

    /// The client closed its side (a half-close).
    mutating func inputClosed() -> EventAction {
        switch state {
        case .sniffing(nil):
            // Nothing sent at all: nothing to answer.
            state = .closed
            return .close
        case .sniffing(let received?), .readingHead(let received, _):
            // An incomplete head: Hummingbird answers it as it would.
            state = .handingOver(received, inputClosed: true, headComplete: false)
            return .handOver(headComplete: false)
        case .openingStream(let received, _):
            state = .openingStream(received, inputClosed: true)
            return .none
        case .handingOver(let received, _, let headComplete):
            state = .handingOver(received, inputClosed: true, headComplete: headComplete)
            return .none
        case .handedOver, .left:
            return .forward
        case .streaming:
            return .endStream(.clientGone)
        case .closed, .modifying:
            return .none
        }
    }

    /// The server is stopping.
    mutating func quiesce() -> EventAction {
        switch state {
        case .sniffing, .readingHead, .openingStream, .handingOver:
            // Nothing started yet: the connection simply ends, so it cannot
            // hold the drain up.
            state = .closed
            return .close
        case .handedOver, .left:
            return .forward
        case .streaming:
            return .endStream(.shutdown)
        case .closed, .modifying:
            return .none
        }
    }

    /// Any other inbound event.
    func otherEvent() -> EventAction {
        switch state {
        case .handedOver, .left: .forward
        default: .none
        }
    }

    /// A socket error.
    mutating func errorCaught() -> EventAction {
        switch state {
        case .handedOver, .left:
            return .forward
        case .closed, .modifying:
            return .none
        case .streaming:
            // The connection is over; its close ends the stream.
            return .close
        default:
            // Before anything started: the connection is over.
            state = .closed
            return .close
        }
    }

    /// Whether the end of a read is passed on.
    var forwardsReadComplete: Bool {
        switch state {
        case .handedOver, .left: true
        default: false
        }
    }

    /// The head deadline passed with the first head still not complete:
    /// the connection is closed, whichever path it is on. A stream served
    /// here, or a connection whose head is through, is not affected.
    mutating func headDeadlinePassed() -> CloseAction {
        switch state {
        case .streaming, .left, .closed, .openingStream, .modifying:
            return .none
        case .handingOver(_, _, headComplete: true):
            return .none
        default:
            return closeUnlessClosed()
        }
    }

    /// The connection is gone.
    mutating func channelInactive() -> EventAction {
        defer { if case .streaming = state { state = .closed } }
        if case .streaming = state { return .endStream(.clientGone) }
        if case .handedOver = state { return .forward }
        if case .left = state { return .forward }
        state = .closed
        return .none
    }

    private mutating func closeUnlessClosed() -> CloseAction {
        if case .closed = state { return .none }
        state = .closed
        return .close
    }

    // MARK: Bytes

    /// Whether `bytes` start with the public stream prefix: nil while too
    /// few bytes have arrived to tell.
    static func matchesPrefix(_ bytes: ByteBuffer) -> Bool? {
        bytes.withUnsafeReadableBytes { bytes in
            let count = min(bytes.count, prefix.count)
            guard prefix.prefix(count).elementsEqual(bytes.prefix(count)) else { return false }
            return count == prefix.count ? true : nil
        }
    }

    private static func appending(_ bytes: ByteBuffer, to kept: consuming ByteBuffer?) -> ByteBuffer {
        guard var received = kept else { return bytes }
        var bytes = bytes
        received.writeBuffer(&bytes)
        return received
    }

    private static func contains(_ needle: [UInt8], in window: [UInt8]) -> Bool {
        guard window.count >= needle.count else { return false }
        return (0...(window.count - needle.count)).contains { window[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
