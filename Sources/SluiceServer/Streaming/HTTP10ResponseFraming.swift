import NIOCore
import NIOHTTP1

/// Answers HTTP/1.0 requests as HTTP/1.0 on Hummingbird's path. Its HTTP
/// types carry no version, so every response leaves it as HTTP/1.1: chunked
/// when the length is unknown (a stream), on a connection kept for the next
/// request. This handler sits right behind NIO's request decoder, where the
/// version is still known, and applies `HTTP10Framing` to each response: a
/// body of known length gets its `Content-Length` and keep-alive only if the
/// client asked; any other body is close-delimited, and the connection is
/// closed once it is written. HTTP/1.1 exchanges pass through unchanged. It
/// leaves the pipeline at an HTTP/1.1 upgrade request, before a WebSocket's
/// bytes could reach it.
final class HTTP10ResponseFraming: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests read and not yet answered, oldest first (a client may send
    /// its next request before the previous response).
    private var pending = CircularBuffer<HTTP10Framing.Request>(initialCapacity: 2)
    /// The response being written is close-delimited: its body is written
    /// as it is, with no chunk framing (see `RawChunkHandler`).
    private(set) var isCloseDelimited = false
    /// The connection closes once the response being written ends.
    private var closesAfterResponse = false

    /// Puts a handler right behind the request decoder of a connection that
    /// Hummingbird has just set up; a pipeline without one is left alone.
    static func add(to channel: any Channel) throws {
        let pipeline = channel.pipeline.syncOperations
        guard let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) else { return }
        try pipeline.addHandler(HTTP10ResponseFraming(), position: .after(decoder))
    }

    /// The handler of `channel`'s pipeline, if it has one (on its event loop).
    static func of(_ channel: any Channel) -> HTTP10ResponseFraming? {
        try? channel.pipeline.syncOperations.handler(type: HTTP10ResponseFraming.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        let request = HTTP10Framing.Request(head)
        if !request.isHTTP10, head.headers.contains(name: "upgrade") {
            // May become a WebSocket, whose bytes must not pass here: an
            // HTTP/1.1 client does not send HTTP/1.0 requests later anyway.
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        pending.append(request)
        guard request.isHTTP10 else { return context.fireChannelRead(data) }
        HTTP10Framing.dropUpgrade(from: &head)
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let isFinal = head.status.code >= 200
            guard let request = isFinal ? pending.popFirst() : pending.first else { return context.write(data, promise: promise) }
            switch HTTP10Framing.frame(&head, answering: request) {
            case .unchanged:
                context.write(data, promise: promise)
            case .drop:
                promise?.succeed()
            case .keepAlive:
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            case .close(let closeDelimited):
                isCloseDelimited = closeDelimited
                closesAfterResponse = true
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            }
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closesAfterResponse else { return context.write(data, promise: promise) }
            closesAfterResponse = false
            isCloseDelimited = false
            // Trailers cannot be sent without chunked coding.
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
            if let promise { written.futureResult.cascade(to: promise) }
        }
    }
}
