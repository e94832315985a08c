import Foundation
import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOExtras
import NIOHTTP1
import SluiceCore
import SluiceHub

/// Serves a public stream entirely on the connection's event loop when all it
/// needs is already in memory: a share token verified before, its live
/// record, no resume point, and a circle whose newest sequence the hub knows.
/// Then the connection costs no task and no await: the head, the preamble and
/// every live frame are written from here. Anything else (a first sight of a
/// token, a resume, an error to report) is declined to the `owner`, which
/// hands the connection to the Hummingbird route; it answers exactly as the
/// contract says.
final class PublicStreamFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private let gateway: Gateway
    private weak var owner: (any FastPathOwner)?
    private var stream: EventStream?
    /// The first request part was seen: served here or declined. Later
    /// parts (and anything after them) are ignored.
    private var decided = false

    static let pathPrefix = "/api/public/events/"

    /// The response head up to the headers that vary (CORS, date): the
    /// status line, every stream's headers and the chunked framing.
    private static let headPrefix: ByteBuffer = {
        var buffer = ByteBuffer()
        buffer.writeStaticString("HTTP/1.1 200 OK\r\n")
        write(PublicStream.headers(extra: [:]), to: &buffer)
        buffer.writeStaticString("transfer-encoding: chunked\r\n")
        return buffer
    }()

    private static func write(_ fields: HTTPFields, to buffer: inout ByteBuffer) {
        for field in fields {
            buffer.writeString(field.name.canonicalName)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
    }

    init(gateway: Gateway, owner: any FastPathOwner) {
        self.gateway = gateway
        self.owner = owner
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Once decided, the decoder may be gone: what arrives is not looked at.
        guard !decided else { return }
        decided = true
        if case .head(let head) = unwrapInboundIn(data), let (opened, cors) = open(head) {
            owner?.commit()
            start(opened, cors: cors, context: context)
        } else {
            owner?.decline()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request the decoder refuses is Hummingbird's to answer. Once
        // declined, what the decoder says until it is removed does not matter.
        if !decided {
            decided = true
            owner?.decline()
        } else if stream != nil {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        stream?.close(.clientGone)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            if decided {
                stream?.close(.clientGone)
            } else {
                decided = true
                owner?.decline()
            }
        } else if event is ChannelShouldQuiesceEvent {
            // The server is stopping: a stream ends, a request still coming in
            // is dropped, so no connection holds the shutdown up.
            if let stream { stream.close(.shutdown) } else { context.close(promise: nil) }
        }
    }

    /// The stream, when everything it needs is in memory; nil to pass the
    /// request on. Anything unusual (HTTP/1.0, a repeated header, a resume
    /// point) is left to the route.
    private func open(_ head: HTTPRequestHead) -> (EventStream, HTTPFields)? {
        guard head.method == .GET, head.version == .http1_1, head.uri.hasPrefix(Self.pathPrefix),
            !head.headers.contains(name: "Last-Event-ID")
        else { return nil }
        let origins = head.headers["Origin"]
        guard origins.count <= 1 else { return nil }
        let uri = URI(head.uri)
        let name = uri.path.dropFirst(Self.pathPrefix.count)
        guard !name.contains(where: { $0 == "/" }), let circle = CircleID(String(name)) else { return nil }
        let query = uri.queryParameters
        guard query["last_event_id"] == nil,
            let token = query["t"].map(String.init),
            let record = gateway.shares.cachedRecord(token, circle: circle, now: gateway.now()),
            let cors = try? PublicStream.corsHeaders(origin: origins.first, record: record),
            let spec = try? PublicStream.spec(record: record, query: query, ids: gateway.opaqueIDs),
            let stream = try? gateway.hub.openLive(spec, store: gateway.store)
        else { return nil }
        return (stream, cors)
    }

    /// Writes the response head and the preamble in one write, then hands
    /// the connection to a stream writer that frames live events as chunks.
    private func start(_ stream: EventStream, cors: HTTPFields, context: ChannelHandlerContext) {
        self.stream = stream
        gateway.metrics.streamsOpened.increment()
        let preamble = stream.takeLivePreamble() ?? []
        var buffer = context.channel.allocator.buffer(capacity: Self.headPrefix.readableBytes + 128 + preamble.count)
        buffer.writeImmutableBuffer(Self.headPrefix)
        Self.write(cors, to: &buffer)
        Self.write([.date: HTTPDate.now()], to: &buffer)
        buffer.writeStaticString("\r\n")
        if !preamble.isEmpty { Chunked.append(preamble, to: &buffer) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        let writer = ChannelStreamWriter(
            channel: context.channel, subscription: stream.subscription,
            write: { buffer, promise in
                var chunk = context.channel.allocator.buffer(capacity: buffer.readableBytes + 12)
                Chunked.append(buffer, to: &chunk)
                context.writeAndFlush(self.wrapOutboundOut(chunk), promise: promise)
            },
            onFinish: {
                // Drops the handler's hold on the stream: the subscription's
                // writer refers back to this handler.
                self.stream = nil
                stream.release()
                context.writeAndFlush(self.wrapOutboundOut(Chunked.end)).whenComplete { _ in context.close(promise: nil) }
            })
        stream.subscription.attach(writer)
    }
}
