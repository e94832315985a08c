import HTTPTypes
import NIOCore
import Synchronization

/// The request id of `X-Request-Id`: the client's own when it is sane (1-128
/// characters of letters, digits, `.`, `_`, `-` and `:`, so it is safe in a
/// log line and a header), otherwise a generated one.
enum RequestID {
    static let header = HTTPField.Name("X-Request-Id")!

    static func accepted(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count) else { return nil }
        let sane = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D || byte == 0x3A
        }
        return sane ? value : nil
    }

    /// A random prefix drawn once per process and a counter: 32 lowercase hex
    /// digits, unique within the process and across restarts, for the price
    /// of one atomic add (the listener's fast path makes one per connection).
    static func generate() -> String {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return String(buffer: buffer)
    }

    /// Writes a new id, as `generate()` makes it, straight into `buffer`:
    /// the listener's fast path writes one into every stream's response
    /// head, where a string made first and copied cost more than the id.
    static func write(to buffer: inout ByteBuffer) {
        buffer.writeLowercaseHex(prefix, digits: 16)
        buffer.writeLowercaseHex(counter.wrappingAdd(1, ordering: .relaxed).newValue, digits: 16)
    }

    private static let prefix: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let counter = Atomic<UInt64>(0)
}
