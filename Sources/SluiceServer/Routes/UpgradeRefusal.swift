import HTTPTypes
import NIOCore
import SluiceCore

/// Answers a refused WebSocket upgrade with problem+json. hummingbird-
/// websocket answers every refused upgrade with a bare `400` and closes the
/// connection; `shouldUpgrade` cannot choose the response. So before
/// refusing, the route puts this handler at the socket end of the pipeline,
/// and it replaces that one response (the only bytes written on a refused
/// upgrade) with the problem for the actual reason: 401, 403, 404 or 400.
final class UpgradeRefusal: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var response: ByteBuffer?

    init(response: ByteBuffer) {
        self.response = response
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let response else { return context.write(data, promise: promise) }
        self.response = nil
        context.write(wrapOutboundOut(.byteBuffer(response)), promise: promise)
    }

    /// Installs the refusal for `error` on `channel`; the next response
    /// written there becomes it.
    static func install(_ error: SluiceError, on channel: any Channel) async {
        let bytes = response(error)
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(UpgradeRefusal(response: bytes), position: .first)
        }.get()
    }

    /// A whole HTTP/1.1 response carrying the problem, closing the connection.
    static func response(_ error: SluiceError) -> ByteBuffer {
        let body = ProblemResponse.body(error)
        let status = HTTPResponse.Status(code: error.status)
        var head = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        head += "content-type: \(ProblemResponse.contentType)\r\ncache-control: no-store\r\n"
        if error.status == 401 { head += "www-authenticate: Bearer\r\n" }
        head += "content-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n"
        return ByteBuffer(string: head + body)
    }
}
