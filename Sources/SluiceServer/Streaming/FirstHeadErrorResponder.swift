import NIOCore
import NIOHTTP1

/// Answers a connection whose first request head NIO's decoder refuses (a
/// bare LF, an obs-fold, a control byte, a lowercase method, a TLS hello):
/// 400 and close, as Hummingbird answers the same bytes in any later
/// request. The first head is waited on by the WebSocket upgrade handler,
/// which does not fail on a decoder error, so without this the connection
/// would stay open and silent. Sits last in the pipeline until anything
/// reaches it (the first head was read), then leaves.
final class FirstHeadErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart

    static let answer = ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else { return context.fireErrorCaught(error) }
        guard !answered else { return }
        answered = true
        // The response goes out past the HTTP encoder, which has not seen a
        // request to answer: written at the socket end of the pipeline.
        let writer = RawChunkHandler()
        guard (try? context.pipeline.syncOperations.addHandler(writer, position: .first)) != nil,
            let socketEnd = try? context.pipeline.syncOperations.context(handler: writer)
        else { return context.close(promise: nil) }
        socketEnd.writeAndFlush(NIOAny(IOData.byteBuffer(Self.answer))).assumeIsolated().whenComplete { _ in
            socketEnd.close(promise: nil)
        }
    }
}
