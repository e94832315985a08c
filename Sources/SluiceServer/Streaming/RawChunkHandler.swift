import NIOCore
import NIOHTTPTypes

/// Sits at the socket end of a streaming connection's pipeline. Live frames
/// are framed here as HTTP/1.1 chunks and written from this handler's context,
/// so they skip the HTTP type conversion and the encoder: one buffer, one
/// write per flush. The response head, the preamble and the final chunk still
/// go through the encoder, which keeps the chunked framing consistent.
final class RawChunkHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// A write function for `channel` that frames each buffer as one chunk.
    /// Must be used on the channel's event loop (where the writer flushes);
    /// falls back to the encoder path if the handler cannot be added.
    static func writer(for channel: any Channel) -> ChannelStreamWriter.Write {
        var context: ChannelHandlerContext?
        return { buffer, promise in
            if context == nil {
                let handler = RawChunkHandler()
                if (try? channel.pipeline.syncOperations.addHandler(handler, position: .first)) != nil {
                    context = try? channel.pipeline.syncOperations.context(handler: handler)
                }
            }
            guard let context else {
                channel.writeAndFlush(HTTPResponsePart.body(buffer), promise: promise)
                return
            }
            let size = buffer.readableBytes
            var chunk = channel.allocator.buffer(capacity: size + 12)
            chunk.writeString(String(size, radix: 16))
            chunk.writeStaticString("\r\n")
            chunk.writeImmutableBuffer(buffer)
            chunk.writeStaticString("\r\n")
            context.writeAndFlush(NIOAny(IOData.byteBuffer(chunk)), promise: promise)
        }
    }
}
