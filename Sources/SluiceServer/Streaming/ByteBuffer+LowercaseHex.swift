import NIOCore

/// Lowercase hex digits written straight into a buffer, for the chunk-size
/// lines of streamed bodies and the generated request ids of response heads:
/// both are written per connection or per flush, where formatting a `String`
/// first and copying it cost more than the digits.
extension ByteBuffer {
    /// How many hex digits `value` takes without leading zeros: 1 to 16.
    static func lowercaseHexDigitCount(_ value: UInt64) -> Int {
        max(1, (UInt64.bitWidth - value.leadingZeroBitCount + 3) / 4)
    }

    /// Sets the low `digits` hex digits of `value`, lowercase and
    /// zero-padded, at `index`; returns how many bytes were set.
    @discardableResult
    mutating func setLowercaseHex(_ value: UInt64, digits: Int, at index: Int) -> Int {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: digits) { out in
            for place in 0..<digits {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt64(4 * (digits - 1 - place))) & 0xF
                out[place] = nibble < 10 ? 48 + nibble : 87 + nibble
            }
            return setBytes(UnsafeRawBufferPointer(out), at: index)
        }
    }

    /// Writes the low `digits` hex digits of `value`, lowercase and
    /// zero-padded; returns how many bytes were written.
    @discardableResult
    mutating func writeLowercaseHex(_ value: UInt64, digits: Int) -> Int {
        let written = setLowercaseHex(value, digits: digits, at: writerIndex)
        moveWriterIndex(forwardBy: written)
        return written
    }
}
