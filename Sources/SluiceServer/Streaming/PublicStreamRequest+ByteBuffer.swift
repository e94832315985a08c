import NIOCore

/// The recognizer over the bytes a connection has read so far.
extension PublicStreamRequest {
    static func recognize(_ buffer: ByteBuffer) -> Outcome {
        buffer.withUnsafeReadableBytes { bytes in recognize(bytes) }
    }

    /// Whether the head's end has arrived, looking only at bytes from
    /// `start` on: a head that arrives a byte at a time is scanned once, not
    /// once per byte.
    static func scanHead(_ buffer: ByteBuffer, from start: Int) -> HeadScan {
        buffer.withUnsafeReadableBytes { scanHead($0, from: start) }
    }
}
