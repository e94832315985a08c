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

    /// A write function for `channel` that frames each buffer as one chunk,
    /// or writes it as it is when the response is close-delimited (to an
    /// HTTP/1.0 client, `HTTP10ResponseFraming`). Must be used on the
    /// channel's event loop (where the writer flushes), once the response
    /// head was written; falls back to the encoder path if the handler cannot
    /// be added.
    static func writer(for channel: any Channel) -> ChannelStreamWriter.Write {
        var context: ChannelHandlerContext?
        var isChunked = true
        return { buffer, promise in
            if context == nil {
                let handler = RawChunkHandler()
                if (try? channel.pipeline.syncOperations.addHandler(handler, position: .first)) != nil {
                    context = try? channel.pipeline.syncOperations.context(handler: handler)
                }
                isChunked = !(HTTP10ResponseFraming.of(channel)?.isCloseDelimited ?? false)
            }
            guard let context else {
                channel.writeAndFlush(HTTPResponsePart.body(buffer), promise: promise)
                return
            }
            if isChunked {
                Chunked.write(&buffer, from: context, promise: promise)
            } else {
                context.writeAndFlush(NIOAny(buffer), promise: promise)
            }
        }
    }
}

/// HTTP/1.1 chunked framing, for bodies written past the HTTP encoder.
enum Chunked {
    /// Appends `bytes` to `buffer` as one chunk.
    static func append(_ bytes: ByteBuffer, to buffer: inout ByteBuffer) {
        writeSize(bytes.readableBytes, to: &buffer)
        buffer.writeImmutableBuffer(bytes)
        buffer.writeStaticString("\r\n")
    }

    /// Appends `bytes` to `buffer` as one chunk.
    static func append(_ bytes: [UInt8], to buffer: inout ByteBuffer) {
        writeSize(bytes.count, to: &buffer)
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
    }

    /// Free bytes a buffer keeps before its data (`reservingHeadroom`) so
    /// that `write` can put the chunk's size line there: up to 16 hex digits
    /// and CRLF.
    static let headroom = 18

    /// An empty buffer for a chunk's data with `headroom` before it.
    static func reservingHeadroom(capacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headroom + capacity + 2)
        buffer.moveWriterIndex(forwardBy: headroom)
        buffer.moveReaderIndex(forwardBy: headroom)
        return buffer
    }

    /// Writes `bytes` as one chunk from `context`, which must sit where
    /// outbound bytes go straight to the socket. A buffer made by
    /// `reservingHeadroom` is framed in place; any other is copied.
    static func write(_ bytes: inout ByteBuffer, from context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        if prependSize(to: &bytes) {
            bytes.writeStaticString("\r\n")
            context.writeAndFlush(NIOAny(bytes), promise: promise)
            return
        }
        var chunk = context.channel.allocator.buffer(capacity: bytes.readableBytes + 12)
        append(bytes, to: &chunk)
        context.writeAndFlush(NIOAny(chunk), promise: promise)
    }

    /// Puts the chunk-size line of `buffer`'s readable bytes in the free
    /// bytes before them, if there is room; returns whether it did.
    static func prependSize(to buffer: inout ByteBuffer) -> Bool {
        let size = UInt64(truncatingIfNeeded: buffer.readableBytes)
        let digits = ByteBuffer.lowercaseHexDigitCount(size)
        guard buffer.readerIndex >= digits + 2 else { return false }
        let start = buffer.readerIndex - digits - 2
        buffer.setLowercaseHex(size, digits: digits, at: start)
        buffer.setInteger(UInt8(ascii: "\r"), at: start + digits)
        buffer.setInteger(UInt8(ascii: "\n"), at: start + digits + 1)
        buffer.moveReaderIndex(to: start)
        return true
    }

    /// The last chunk: the body is complete.
    static let end = ByteBuffer(string: "0\r\n\r\n")

    /// The chunk-size line: `size` in lowercase hex, then CRLF.
    private static func writeSize(_ size: Int, to buffer: inout ByteBuffer) {
        let value = UInt64(truncatingIfNeeded: size)
        buffer.writeLowercaseHex(value, digits: ByteBuffer.lowercaseHexDigitCount(value))
        buffer.writeStaticString("\r\n")
    }
}
