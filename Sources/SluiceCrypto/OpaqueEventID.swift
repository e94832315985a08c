import CJWT
import SluiceCore

/// Event ids for public streams: a sequence number and a circle tag encrypted
/// as one AES-128 block, base64url. They reveal nothing about how many events
/// a circle has, yet decode back to the sequence for resuming; an id made for
/// another circle or by another key does not decode.
public struct OpaqueEventID: EventIDCodec {
    private let key: [UInt8]

    /// `secret` is the gateway's persistent secret; the AES key is derived from it.
    public init(secret: [UInt8]) {
        self.key = Array(SecretDigest.hmacSHA256(key: secret, message: Array("sluice opaque event ids".utf8)).prefix(16))
    }

    private func tag(_ circle: CircleID) -> [UInt8] {
        Array(SecretDigest.hmacSHA256(key: key, message: Array(circle.rawValue.utf8)).prefix(8))
    }

    public func encode(sequence: Int64, circle: CircleID) -> String {
        var block = [UInt8](repeating: 0, count: 16)
        let s = UInt64(bitPattern: sequence)
        for i in 0..<8 { block[i] = UInt8(truncatingIfNeeded: s >> (56 - 8 * UInt64(i))) }
        block.replaceSubrange(8..<16, with: tag(circle))
        // Should OpenSSL fail, the id is random bytes: it decodes to nothing.
        return Base64URL.encode(crypt(block, encrypt: true) ?? SecretDigest.randomBytes(16))
    }

    /// The sequence behind `id`, or nil when it is not one of ours for `circle`.
    public func decode(_ id: String, circle: CircleID) -> Int64? {
        guard id.utf8.count == 22, let bytes = Base64URL.decode(id), bytes.count == 16 else { return nil }
        guard let block = crypt(bytes, encrypt: false) else { return nil }
        guard SecretDigest.constantTimeEquals(Array(block[8..<16]), tag(circle)) else { return nil }
        var s: UInt64 = 0
        for i in 0..<8 { s = (s << 8) | UInt64(block[i]) }
        return Int64(bitPattern: s)
    }

    /// One AES block; nil when OpenSSL reports a failure at any step.
    private func crypt(_ block: [UInt8], encrypt: Bool) -> [UInt8]? {
        guard block.count == 16, key.count == 16 else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        guard let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        guard EVP_CipherInit_ex(context, EVP_aes_128_ecb(), nil, key, nil, encrypt ? 1 : 0) == 1,
            EVP_CIPHER_CTX_set_padding(context, 0) == 1,
            EVP_CipherUpdate(context, &out, &length, block, 16) == 1, length == 16
        else { return nil }
        return Array(out.prefix(16))
    }
}
