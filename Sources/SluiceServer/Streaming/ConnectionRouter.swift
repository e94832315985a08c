import Logging
import NIOCore
import NIOHTTP1

/// What a `PublicStreamFastPath` tells the handler that installed it.
protocol FastPathOwner: AnyObject {
    /// The stream is served here: nothing needs replaying any more.
    func commit()
    /// Not served here: the connection goes to Hummingbird, from its first byte.
    func decline()
}

/// The first handler of every accepted connection. It reads just enough of
/// the first request line to know whether this can be a public stream
/// (`GET /api/public/events/…`). If so it puts an HTTP decoder and a
/// `PublicStreamFastPath` behind itself; if that serves the stream, the
/// connection never touches Swift concurrency. Otherwise the connection is set
/// up by Hummingbird's child channel and every byte read so far is replayed
/// into it, so Hummingbird sees the connection exactly as the client sent it.
final class ConnectionRouter: ChannelInboundHandler, RemovableChannelHandler, FastPathOwner {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Sets Hummingbird's child channel up on a connection and starts its
    /// request loop. One for the listener, shared by every connection.
    typealias HandOver = @Sendable (any Channel) -> EventLoopFuture<Void>

    private static var prefix: StaticString { "GET /api/public/events/" }

    private enum State {
        /// Reading the start of the request line.
        case sniffing
        /// A fast path is deciding; bytes are kept for a replay.
        case candidate
        /// Going to Hummingbird once the fast path's handlers are gone;
        /// bytes are kept for the replay.
        case handingOver
        /// Served here, or handed over.
        case decided
    }

    private let gateway: Gateway
    private let logger: Logger
    private let handOver: HandOver
    private var state = State.sniffing
    private var context: ChannelHandlerContext?
    /// Every byte read while undecided.
    private var received: ByteBuffer?
    private var inputClosed = false
    /// The handlers put behind this one for the fast path.
    private var installed: [any RemovableChannelHandler] = []

    init(gateway: Gateway, logger: Logger, handOver: @escaping HandOver) {
        self.gateway = gateway
        self.logger = logger
        self.handOver = handOver
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .decided:
            context.fireChannelRead(data)
        case .candidate:
            var bytes = unwrapInboundIn(data)
            received?.writeBuffer(&bytes)
            context.fireChannelRead(data)
        case .handingOver:
            var bytes = unwrapInboundIn(data)
            if received == nil {
                received = bytes
            } else {
                received?.writeBuffer(&bytes)
            }
        case .sniffing:
            var bytes = unwrapInboundIn(data)
            if received == nil {
                received = bytes
            } else {
                received?.writeBuffer(&bytes)
            }
            switch Self.matchesPrefix(received!) {
            case nil:
                return
            case false:
                handOver(context: context)
            case true:
                if installFastPath(context: context) {
                    state = .candidate
                    context.fireChannelRead(wrapInboundOut(received!))
                } else {
                    handOver(context: context)
                }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if state == .candidate || state == .decided { context.fireChannelReadComplete() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, state != .decided {
            inputClosed = true
            // An incomplete first line: Hummingbird answers it as it would.
            if state == .sniffing { return handOver(context: context) }
            if state == .handingOver { return }
        }
        if event is ChannelShouldQuiesceEvent, state == .sniffing || state == .handingOver {
            // Nothing started yet: the connection simply ends.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Whether `bytes` start with the public stream prefix: nil while too
    /// few bytes have arrived to tell.
    private static func matchesPrefix(_ bytes: ByteBuffer) -> Bool? {
        prefix.withUTF8Buffer { prefix in
            bytes.withUnsafeReadableBytes { bytes in
                let count = min(bytes.count, prefix.count)
                guard prefix.prefix(count).elementsEqual(bytes.prefix(count)) else { return false }
                return count == prefix.count ? true : nil
            }
        }
    }

    private func installFastPath(context: ChannelHandlerContext) -> Bool {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = SluiceServer.maxHeaderFieldSize
        limits.maxHeaderListSize = SluiceServer.maxHeaderListSize
        let fastPath = PublicStreamFastPath(gateway: gateway, owner: self)
        let handlers: [any RemovableChannelHandler] = [
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)),
            fastPath,
        ]
        do {
            try context.pipeline.syncOperations.addHandlers(handlers, position: .after(self))
        } catch {
            return false
        }
        installed = handlers
        return true
    }

    func commit() {
        guard let context, state == .candidate else { return }
        state = .decided
        received = nil
        // The stream reads nothing more: the decoder goes too.
        if let decoder = installed.first { context.pipeline.syncOperations.removeHandler(decoder, promise: nil) }
        installed = []
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func decline() {
        guard let context, state == .candidate else { return }
        // After the decoder has returned from the read that led here.
        context.eventLoop.assumeIsolated().execute {
            self.handOver(context: context)
        }
    }

    /// Gives the connection to Hummingbird: its pipeline replaces the fast
    /// path's, then sees every byte (and a half-close) this handler saw.
    private func handOver(context: ChannelHandlerContext) {
        guard state == .sniffing || state == .candidate else { return }
        state = .handingOver
        // The decoder leaves the pipeline on a later event-loop turn; until
        // then bytes are kept here.
        let removals = installed.reversed().map { context.pipeline.syncOperations.removeHandler($0) }
        installed = []
        EventLoopFuture.andAllComplete(removals, on: context.eventLoop).assumeIsolated().whenComplete { _ in
            self.setUpHummingbird(context: context)
        }
    }

    private func setUpHummingbird(context: ChannelHandlerContext) {
        handOver(context.channel).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                self.state = .decided
                if let replay = self.received {
                    self.received = nil
                    context.fireChannelRead(self.wrapInboundOut(replay))
                    context.fireChannelReadComplete()
                }
                if self.inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            case .failure(let error):
                self.logger.debug("connection setup failed", metadata: ["error": "\(error)"])
                context.close(promise: nil)
            }
        }
    }
}
