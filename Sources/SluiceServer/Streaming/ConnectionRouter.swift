import Logging
import NIOCore
import NIOExtras
import SluiceHub

/// The first and, for a public stream, the only handler of every accepted
/// connection. It reads the start of the request line: anything that is not
/// `GET /api/public/events/…` goes to Hummingbird at once. A public stream
/// request is read to the end of its head; when it has the plain shape
/// `PublicStreamRequest` recognizes and everything it needs is in memory
/// (`PublicStreamFastPath`), the stream is served from here and the
/// connection never touches an HTTP decoder or Swift concurrency. Otherwise
/// the connection is set up by Hummingbird's child channel and every byte
/// read so far is replayed into it, so Hummingbird sees the connection
/// exactly as the client sent it.
///
/// Until the connection's first head is complete, the router also keeps its
/// deadline (`requestHeadTimeout`): a connection still short of `\r\n\r\n`
/// then is closed, whichever path it is on. It stays in the pipeline after a
/// hand-over only to see that end pass, then leaves.
final class ConnectionRouter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sets Hummingbird's child channel up on a connection and starts its
    /// request loop. One for the listener, shared by every connection.
    typealias HandOver = @Sendable (any Channel) -> EventLoopFuture<Void>

    /// The start of every public stream request line.
    private static let prefix = Array("GET \(PublicStreamRequest.targetPrefix)".utf8)

    private enum State {
        /// Reading the start of the request line.
        case sniffing
        /// A public stream request: reading up to the end of its head.
        case readingHead
        /// Going to Hummingbird; bytes are kept for the replay.
        case handingOver
        /// Handed over: bytes pass through until the first head is complete,
        /// then this handler leaves the pipeline.
        case handedOver
        /// Served here: whatever the client sends is ignored.
        case streaming
        /// Removed from the pipeline (or being removed).
        case left
    }

    private let gateway: Gateway
    private let logger: Logger
    private let handOver: HandOver
    private var state = State.sniffing
    /// Every byte read while undecided.
    private var received: ByteBuffer?
    private var inputClosed = false
    /// How far `received` was searched for the end of the head.
    private var searched = 0
    private var stream: EventStream?
    /// Closes the connection if its first head is not complete in time.
    private var headDeadline: Scheduled<Void>?
    /// Bytes of the first head seen after the hand-over, searched for its
    /// end (the last three are kept across reads).
    private var passedTail: [UInt8] = []

    init(gateway: Gateway, logger: Logger, handOver: @escaping HandOver) {
        self.gateway = gateway
        self.logger = logger
        self.handOver = handOver
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startHeadDeadline(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startHeadDeadline(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headDeadline?.cancel()
        headDeadline = nil
    }

    private func startHeadDeadline(context: ChannelHandlerContext) {
        guard headDeadline == nil else { return }
        let seconds = gateway.configuration.requestHeadTimeoutSeconds
        headDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(seconds * 1_000_000_000))) {
            self.headDeadline = nil
            guard self.state != .streaming else { return }
            self.logger.debug("request head not complete in time: closing")
            context.close(promise: nil)
        }
    }

    /// The first head is complete: no deadline any more.
    private func headArrived() {
        headDeadline?.cancel()
        headDeadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .streaming:
            return
        case .left:
            context.fireChannelRead(data)
        case .handedOver:
            let bytes = unwrapInboundIn(data)
            context.fireChannelRead(data)
            passOn(bytes, context: context)
        case .handingOver:
            keep(unwrapInboundIn(data))
        case .sniffing, .readingHead:
            keep(unwrapInboundIn(data))
            decide(context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if state == .handedOver || state == .left { context.fireChannelReadComplete() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        headArrived()
        stream?.close(.clientGone)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if state == .handedOver || state == .left { return context.fireErrorCaught(error) }
        // A socket error before or while streaming: the connection is over.
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch state {
        case .handedOver, .left:
            context.fireUserInboundEventTriggered(event)
        case .streaming:
            if let event = event as? ChannelEvent, event == .inputClosed {
                stream?.close(.clientGone)
            } else if event is ChannelShouldQuiesceEvent {
                stream?.close(.shutdown)
            }
        case .sniffing, .readingHead, .handingOver:
            if let event = event as? ChannelEvent, event == .inputClosed {
                // Nothing sent at all: nothing to answer.
                guard received != nil else { return context.close(promise: nil) }
                // An incomplete head: Hummingbird answers it as it would.
                inputClosed = true
                handOver(context: context)
            } else if event is ChannelShouldQuiesceEvent {
                // The server is stopping and nothing started yet: the
                // connection simply ends, so it cannot hold the drain up.
                context.close(promise: nil)
            }
        }
    }

    private func keep(_ bytes: ByteBuffer) {
        if received == nil {
            received = bytes
        } else {
            var bytes = bytes
            received?.writeBuffer(&bytes)
        }
    }

    private func decide(context: ChannelHandlerContext) {
        guard let received else { return }
        if state == .sniffing {
            switch Self.matchesPrefix(received) {
            case nil: return
            case false: return handOver(context: context)
            case true: state = .readingHead
            }
        }
        // Until the head's end arrives, only the new bytes are searched.
        switch PublicStreamRequest.scanHead(received, from: searched) {
        case .incomplete:
            searched = received.readableBytes
            if searched > PublicStreamRequest.maximumHeadSize { handOver(context: context) }
            return
        case .bareLineFeed:
            // Not this shape; NIO's decoder answers it with a 400.
            return handOver(context: context)
        case .complete:
            headArrived()
        }
        switch PublicStreamRequest.recognize(received) {
        case .incomplete:
            return
        case .decline:
            handOver(context: context)
        case .request(let request):
            guard let (opened, cors) = PublicStreamFastPath.open(request, gateway: gateway) else { return handOver(context: context) }
            state = .streaming
            self.received = nil
            stream = opened
            PublicStreamFastPath.start(opened, cors: cors, gateway: gateway, context: context) { [weak self] in
                // Drops this handler's hold on the stream: the subscription's
                // writer refers back to this handler's context.
                self?.stream = nil
            }
        }
    }

    /// Whether `bytes` start with the public stream prefix: nil while too
    /// few bytes have arrived to tell.
    private static func matchesPrefix(_ bytes: ByteBuffer) -> Bool? {
        bytes.withUnsafeReadableBytes { bytes in
            let count = min(bytes.count, prefix.count)
            guard prefix.prefix(count).elementsEqual(bytes.prefix(count)) else { return false }
            return count == prefix.count ? true : nil
        }
    }

    /// Gives the connection to Hummingbird: its pipeline goes behind this
    /// handler, sees every byte (and a half-close) this handler saw, and this
    /// handler leaves.
    private func handOver(context: ChannelHandlerContext) {
        guard state == .sniffing || state == .readingHead else { return }
        state = .handingOver
        handOver(context.channel).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                self.state = .handedOver
                // Behind Hummingbird's handlers: answers a first head its
                // decoder refuses, which nothing else would.
                try? context.pipeline.syncOperations.addHandler(FirstHeadErrorResponder(), position: .last)
                if let replay = self.received {
                    self.received = nil
                    context.fireChannelRead(self.wrapInboundOut(replay))
                    context.fireChannelReadComplete()
                    self.passOn(replay, context: context)
                }
                if self.inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
            case .failure(let error):
                self.logger.debug("connection setup failed", metadata: ["error": "\(error)"])
                context.close(promise: nil)
            }
        }
    }

    /// After the hand-over: watches the bytes going to Hummingbird for the
    /// end of the first head; once it passed, the deadline is off and this
    /// handler leaves.
    private func passOn(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        guard headDeadline != nil, state == .handedOver else { return leave(context: context) }
        var window = passedTail
        window.append(contentsOf: bytes.readableBytesView)
        if window.count >= 4, (0...(window.count - 4)).contains(where: { window[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }) {
            headArrived()
            return leave(context: context)
        }
        passedTail = Array(window.suffix(3))
    }

    private func leave(context: ChannelHandlerContext) {
        guard state == .handedOver else { return }
        state = .left
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
