import Foundation
import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import SluiceCore
import SluiceHub

/// Serves a public stream entirely on the connection's event loop when all it
/// needs is already in memory: a share token verified before, its live
/// record, no resume point, and a circle whose newest sequence the hub knows.
/// Then the connection costs no task and no await: the head, the preamble and
/// every live frame are written from here. Anything else (a first sight of a
/// token, a resume, an error to report) is passed on untouched to the
/// Hummingbird route, which answers exactly as the contract says.
final class PublicStreamFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let gateway: Gateway
    private var requests = 0
    private var stream: EventStream?
    /// This connection's first request was answered here.
    private var served = false

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Once a stream is served here, the request's remaining parts (and
        // anything after them) are ignored.
        if served { return }
        let part = unwrapInboundIn(data)
        if case .head(let head) = part {
            requests += 1
            // Only a connection's first request, so no earlier response can still be in flight.
            if requests == 1, let (opened, cors) = open(head) {
                start(opened, cors: cors, context: context)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stream?.close(.clientGone)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { stream?.close(.clientGone) }
        context.fireUserInboundEventTriggered(event)
    }

    /// The stream, when everything it needs is in memory; nil to pass the request on.
    private func open(_ head: HTTPRequest) -> (EventStream, HTTPFields)? {
        guard head.method == .get, let path = head.path, path.hasPrefix("/api/public/events/") else { return nil }
        let uri = URI(path)
        let parts = uri.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, let circle = CircleID(String(parts[4])) else { return nil }
        let query = uri.queryParameters
        guard query["last_event_id"] == nil, head.headerFields[StreamQuery.lastEventIDHeader] == nil,
            let token = query["t"].map(String.init),
            let record = gateway.shares.cachedRecord(token, circle: circle, now: gateway.now()),
            let cors = try? PublicStream.corsHeaders(origin: head.headerFields[.origin], record: record),
            let spec = try? PublicStream.spec(record: record, query: query, ids: gateway.opaqueIDs),
            let stream = try? gateway.hub.openLive(spec, store: gateway.store)
        else { return nil }
        return (stream, cors)
    }

    private func start(_ stream: EventStream, cors: HTTPFields, context: ChannelHandlerContext) {
        self.stream = stream
        served = true
        gateway.metrics.streamsOpened.increment()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: PublicStream.headers(extra: cors)))), promise: nil)
        let preamble = stream.takeLivePreamble() ?? []
        var buffer = context.channel.allocator.buffer(capacity: preamble.count)
        buffer.writeBytes(preamble)
        context.writeAndFlush(wrapOutboundOut(.body(buffer)), promise: nil)
        let writer = ChannelStreamWriter(
            channel: context.channel, subscription: stream.subscription,
            onFinish: {
                // Drops the handler's hold on the stream: the subscription's
                // writer refers back to this handler.
                self.stream = nil
                stream.release()
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            })
        stream.subscription.attach(writer)
    }
}
