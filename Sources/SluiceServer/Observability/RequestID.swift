import HTTPTypes

/// The request id of `X-Request-Id`: the client's own when it is sane (1-128
/// characters of letters, digits, `.`, `_`, `-` and `:`, so it is safe in a
/// log line and a header), otherwise a fresh random one.
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

    /// 128 random bits as 32 lowercase hex digits.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return pad(String(high, radix: 16)) + pad(String(low, radix: 16))
    }

    private static func pad(_ hex: String) -> String {
        String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}
