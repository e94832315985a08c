import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import SluiceCore
import SluiceHub
import SluiceStore
import Synchronization

/// Serves a public stream entirely on the connection's event loop when all it
/// needs is already in memory: a share token verified before, its live
/// record, no resume point, and a circle whose newest sequence the hub knows.
/// Then the connection costs no task and no await: the head, the preamble and
/// every live frame are written from the `ConnectionRouter`'s context.
/// Anything else (a first sight of a token, a resume, an error to report)
/// goes to the Hummingbird route, which answers exactly as the contract says.
enum PublicStreamFastPath {
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

    /// What the fast path can do with a request.
    enum Opening {
        /// The stream is open: start it with these CORS headers.
        case opened(EventStream, cors: HTTPFields)
        /// Everything is in memory but the token's connections are counted
        /// over every node: take a slot (`Hub.takeSlot(for:)`), then open
        /// with `openCounted`.
        case needsSlot(StreamSpec, token: String, cors: HTTPFields)
        /// A signed token whose record is not in memory: have the store
        /// read (`ShareAuthority.warm`), then try again.
        case needsRecord(token: String, circle: CircleID)
        /// Pass the request on to the Hummingbird route.
        case declined
    }

    /// The stream, when everything it needs is in memory.
    static func open(_ request: PublicStreamRequest, gateway: Gateway) -> Opening {
        let cached = parsedTargets.withLock { $0[request.target] }
        guard let (circle, token, query) = cached ?? parse(request.target) else { return .declined }
        let record: ShareTokenRecord
        switch gateway.shares.verdict(token, circle: circle, now: gateway.now()) {
        case .live(let live): record = live
        case .needsStore: return .needsRecord(token: token, circle: circle)
        case .refused: return .declined
        }
        guard let cors = try? PublicStream.corsHeaders(origin: request.origin, record: record),
            let spec = try? PublicStream.spec(record: record, query: query, ids: gateway.opaqueIDs)
        else { return .declined }
        let opening: Opening
        if gateway.hub.needsSlot(spec) {
            opening = .needsSlot(spec, token: token, cors: cors)
        } else if let stream = try? gateway.hub.openLive(spec, store: gateway.store) {
            opening = .opened(stream, cors: cors)
        } else {
            return .declined
        }
        if cached == nil { remember((circle, token, query), for: request.target) }
        return opening
    }

    /// Opens a stream on a slot taken for it, after checking again that its
    /// token is live: it may have been revoked while the slot was taken.
    /// The slot goes back when the stream does not open (`openLive(_:store:takenSlot:)`
    /// gives it back itself when registration fails).
    static func openCounted(_ spec: StreamSpec, token: String, slot: Int64, gateway: Gateway) -> EventStream? {
        guard gateway.shares.cachedRecord(token, circle: spec.circle, now: gateway.now()) != nil else {
            gateway.hub.giveBack(slot: slot)
            return nil
        }
        return try? gateway.hub.openLive(spec, store: gateway.store, takenSlot: slot)
    }

    /// A target's circle, token and query, or nil when the fast path cannot
    /// serve it (a resume point, no token, a malformed path).
    private typealias ParsedTarget = (circle: CircleID, token: String, query: Parameters)

    /// Parsed targets by their text: the many viewers of one widget open the
    /// same URL, which is then parsed once. Only targets that opened a stream
    /// (a live token) are kept, at most 1,024 of at most 2 KiB each.
    private static let parsedTargets = Mutex<[String: ParsedTarget]>([:])

    private static func parse(_ target: String) -> ParsedTarget? {
        let uri = URI(target)
        let name = uri.path.dropFirst(PublicStreamRequest.targetPrefix.count)
        let query = uri.queryParameters
        guard !name.contains(where: { $0 == "/" }), let circle = CircleID(String(name)), query["last_event_id"] == nil,
            let token = query["t"].map(String.init)
        else { return nil }
        return (circle, token, query)
    }

    /// Drops the parsed targets of a deleted circle.
    static func forget(circle: CircleID) {
        parsedTargets.withLock { cache in cache = cache.filter { $0.value.circle != circle } }
    }

    private static func remember(_ parsed: ParsedTarget, for target: String) {
        guard target.utf8.count <= 2048 else { return }
        parsedTargets.withLock { cache in
            if cache.count >= 1024 { cache.removeAll(keepingCapacity: true) }
            cache[target] = parsed
        }
    }

    /// Writes the response head and the preamble in one write, then hands
    /// the connection to a stream writer that frames live events as chunks.
    static func start(
        _ stream: EventStream, cors: HTTPFields, gateway: Gateway, context: ChannelHandlerContext, onFinish: @escaping () -> Void
    ) {
        let preamble = stream.takeLivePreamble() ?? []
        var buffer = context.channel.allocator.buffer(capacity: headPrefix.readableBytes + 128 + preamble.count)
        buffer.writeImmutableBuffer(headPrefix)
        write(cors, to: &buffer)
        // The two fields every head varies in, written without building
        // `HTTPFields` or a string for them.
        buffer.writeStaticString("date: ")
        buffer.writeString(HTTPDate.now())
        buffer.writeStaticString("\r\nx-request-id: ")
        RequestID.write(to: &buffer)
        buffer.writeStaticString("\r\n\r\n")
        if !preamble.isEmpty { Chunked.append(preamble, to: &buffer) }
        context.writeAndFlush(NIOAny(buffer), promise: nil)
        let writer = ChannelStreamWriter(
            channel: context.channel, subscription: stream.subscription,
            write: { buffer, promise in Chunked.write(&buffer, from: context, promise: promise) },
            onFinish: {
                onFinish()
                stream.release()
                // Runs on the event loop, as does the completion: the
                // context never leaves it.
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(NIOAny(Chunked.end)).whenComplete { _ in bound.value.close(promise: nil) }
            })
        stream.subscription.attach(writer)
    }
}
