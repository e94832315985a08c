import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Sits behind Hummingbird's HTTP/1 decoder and notes every request part a
/// connection sends, in order, in the connection's `ConnectionReadAhead`,
/// before the request loop reaches it. Parts pass on unchanged: the loop
/// still reads every request, and answers them in order.
///
/// A publisher that pipelines its requests has them read while an earlier
/// one waits for its commit; the responder then hands the complete ingest
/// requests among them to the pipeline at once, so they share that commit.
/// While only such requests wait (at most `maximumWaiting`, bodies within
/// `maximumKeptBytes`), this handler keeps the socket reading even though the
/// request loop, blocked on the commit, takes no parts: otherwise the
/// loop's back-pressure stops reading after about three requests.
final class ReadAheadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let readAhead: ConnectionReadAhead
    private let maximumWaiting: Int
    private let maximumKeptBytes: Int

    init(maximumBodyBytes: Int, maximumWaiting: Int) {
        readAhead = ConnectionReadAhead(maximumBodyBytes: maximumBodyBytes)
        self.maximumWaiting = maximumWaiting
        maximumKeptBytes = max(maximumBodyBytes, 1 << 20)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        ConnectionReadAhead.register(readAhead, for: context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        ConnectionReadAhead.unregister(context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): readAhead.withQueue { $0.headRead(head) }
        case .body(let bytes): readAhead.withQueue { $0.bodyRead(bytes) }
        case .end: readAhead.withQueue { $0.endRead() }
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        if readAhead.withQueue({ $0.readsAhead(limit: maximumWaiting, maximumKeptBytes: maximumKeptBytes) }) {
            context.read()
        }
    }
}

extension SluiceServer {
    /// The handlers Hummingbird adds behind its HTTP/1 decoder on every
    /// connection it serves.
    static func channelHandlers(_ configuration: SluiceConfiguration) -> [any RemovableChannelHandler] {
        guard configuration.pipelineReadAhead > 0 else { return [ExpectContinueHandler()] }
        return [
            ExpectContinueHandler(),
            ReadAheadHandler(
                maximumBodyBytes: configuration.limits.maximumRequestBytes, maximumWaiting: configuration.pipelineReadAhead + 1),
        ]
    }
}
