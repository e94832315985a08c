import HTTPTypes
import Logging
import NIOCore
import NIOExtras
import SluiceCore
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
/// hand-over only to see that end pass, then leaves. What to do on each event
/// is decided by `ConnectionRouterStateMachine`; this handler only does it.
final class ConnectionRouter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sets Hummingbird's child channel up on a connection and starts its
    /// request loop. One for the listener, shared by every connection.
    typealias HandOver = @Sendable (any Channel) -> EventLoopFuture<Void>

    private let gateway: Gateway
    private let logger: Logger
    private let handOver: HandOver
    private let deadlines: HeadDeadlines.Registry?
    private var machine = ConnectionRouterStateMachine()
    /// The stream served here, until it is over.
    private var stream: EventStream?
    /// Closes the connection if its first head is not complete in time:
    /// where it waits and its number there.
    private var headDeadline: (deadlines: HeadDeadlines, id: UInt64)?

    /// `deadlines`: the listener's, one per event loop; a router on a loop
    /// not in it keeps its own.
    init(gateway: Gateway, logger: Logger, deadlines: HeadDeadlines.Registry? = nil, handOver: @escaping HandOver) {
        self.gateway = gateway
        self.logger = logger
        self.deadlines = deadlines
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
        cancelHeadDeadline()
    }

    private func startHeadDeadline(context: ChannelHandlerContext) {
        guard headDeadline == nil else { return }
        let deadlines =
            self.deadlines?.deadlines(on: context.eventLoop)
            ?? HeadDeadlines(
                eventLoop: context.eventLoop, timeout: HeadDeadlines.timeout(seconds: gateway.configuration.requestHeadTimeoutSeconds))
        headDeadline = (deadlines, deadlines.start(self, context: context))
    }

    /// The first head was not complete in time (from `HeadDeadlines`).
    func headDeadlinePassed(context: ChannelHandlerContext) {
        headDeadline = nil
        guard machine.headDeadlinePassed() == .close else { return }
        logger.debug("request head not complete in time: closing")
        context.close(promise: nil)
    }

    private func cancelHeadDeadline() {
        guard let (deadlines, id) = headDeadline else { return }
        headDeadline = nil
        deadlines.cancel(id)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.read(unwrapInboundIn(data)), data: data, context: context)
    }

    private func perform(_ action: ConnectionRouterStateMachine.ReadAction, data: NIOAny?, context: ChannelHandlerContext) {
        switch action {
        case .wait, .ignore:
            return
        case .forward:
            if let data { context.fireChannelRead(data) }
        case .forwardAndLeave:
            cancelHeadDeadline()
            if let data { context.fireChannelRead(data) }
            leave(context: context)
        case .handOver(let headComplete):
            if headComplete { cancelHeadDeadline() }
            startHandOver(context: context)
        case .openStream(let request):
            cancelHeadDeadline()
            openStream(request, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if machine.forwardsReadComplete { context.fireChannelReadComplete() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelHeadDeadline()
        if case .endStream = machine.channelInactive() { stream?.close(.clientGone) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(machine.errorCaught(), event: nil, error: error, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let action: ConnectionRouterStateMachine.EventAction
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            action = machine.inputClosed()
        } else if event is ChannelShouldQuiesceEvent {
            action = machine.quiesce()
        } else {
            action = machine.otherEvent()
        }
        perform(action, event: event, error: nil, context: context)
    }

    private func perform(_ action: ConnectionRouterStateMachine.EventAction, event: Any?, error: (any Error)?, context: ChannelHandlerContext) {
        switch action {
        case .none:
            return
        case .forward:
            if let event { context.fireUserInboundEventTriggered(event) }
            if let error { context.fireErrorCaught(error) }
        case .close:
            context.close(promise: nil)
        case .handOver(let headComplete):
            if headComplete { cancelHeadDeadline() }
            startHandOver(context: context)
        case .endStream(.clientGone):
            stream?.close(.clientGone)
        case .endStream(.shutdown):
            stream?.close(.shutdown)
        }
    }

    private func openStream(_ request: PublicStreamRequest, context: ChannelHandlerContext, recordRead: Bool = false) {
        switch PublicStreamFastPath.open(request, gateway: gateway) {
        case .opened(let opened, let cors):
            start(opened, cors: cors, context: context)
        case .needsSlot(let spec, let token, let cors):
            takeSlot(spec, token: token, cors: cors, context: context)
        case .needsRecord(let token, let circle) where !recordRead:
            readRecord(request, token: token, circle: circle, context: context)
        case .needsRecord, .declined:
            perform(machine.streamDeclined(), data: nil, context: context)
        }
    }

    /// A signed token whose record this node has not read yet (the first
    /// viewers of a widget minted elsewhere or before a restart): the store
    /// is read off the event loop, once for every connection that brings the
    /// token meanwhile, while this one waits in `openingStream`; then the
    /// fast path is tried once more. Whatever it still cannot serve goes to
    /// the route, which answers as the contract says.
    private func readRecord(_ request: PublicStreamRequest, token: String, circle: CircleID, context: ChannelHandlerContext) {
        let gateway = gateway
        context.eventLoop.makeFutureWithTask {
            await gateway.shares.warm(token, circle: circle, now: gateway.now(), store: gateway.store)
        }.assumeIsolated().whenComplete { _ in
            guard self.machine.isOpeningStream else { return }
            self.openStream(request, context: context, recordRead: true)
        }
    }

    private func start(_ opened: EventStream, cors: HTTPFields, context: ChannelHandlerContext) {
        let then = machine.streamOpened()
        stream = opened
        gateway.metrics.fastPathStreamOpened()
        // The stream reads nothing more: one read per turn, which lets NIO
        // drop every receive buffer it kept but the first.
        try? context.channel.syncOptions?.setOption(.maxMessagesPerRead, value: 1)
        PublicStreamFastPath.start(opened, cors: cors, gateway: gateway, context: context) { [weak self] in
            // Drops this handler's hold on the stream: the subscription's
            // writer refers back to this handler's context.
            self?.stream = nil
        }
        perform(then, event: nil, error: nil, context: context)
    }

    /// A token whose connections are counted over every node: the slot is
    /// taken from the store (one round trip, off the event loop) while the
    /// connection waits in `openingStream`, then the stream opens here as
    /// any other. No slot, a store error, or a token revoked meanwhile: the
    /// route answers. A connection gone meanwhile gives its slot back.
    private func takeSlot(_ spec: StreamSpec, token: String, cors: HTTPFields, context: ChannelHandlerContext) {
        let hub = gateway.hub
        let gateway = gateway
        context.eventLoop.makeFutureWithTask { try await hub.takeSlot(for: spec) }.assumeIsolated().whenComplete { result in
            let slot = try? result.get()
            guard self.machine.isOpeningStream else {
                if let slot { hub.giveBack(slot: slot) }
                return
            }
            guard let slot, let opened = PublicStreamFastPath.openCounted(spec, token: token, slot: slot, gateway: gateway) else {
                return self.perform(self.machine.streamDeclined(), data: nil, context: context)
            }
            self.start(opened, cors: cors, context: context)
        }
    }

    /// Gives the connection to Hummingbird: its pipeline goes behind this
    /// handler, sees every byte (and a half-close) this handler saw, and this
    /// handler leaves once the first head went through.
    private func startHandOver(context: ChannelHandlerContext) {
        handOver(context.channel).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                guard case .replay(let replay) = self.machine.handOverSucceeded() else { return }
                // Behind Hummingbird's handlers: answers a first head its
                // decoder refuses, which nothing else would.
                try? context.pipeline.syncOperations.addHandler(FirstHeadErrorResponder(), position: .last)
                if let bytes = replay.bytes {
                    context.fireChannelRead(self.wrapInboundOut(bytes))
                    context.fireChannelReadComplete()
                }
                if replay.inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
                if replay.leave {
                    self.cancelHeadDeadline()
                    self.leave(context: context)
                }
            case .failure(let error):
                self.logger.debug("connection setup failed", metadata: ["error": "\(error)"])
                if self.machine.handOverFailed() == .close { context.close(promise: nil) }
            }
        }
    }

    private func leave(context: ChannelHandlerContext) {
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
