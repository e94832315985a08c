import CJWT
import SluiceCore

/// Digests and comparisons for secrets, on OpenSSL.
public enum SecretDigest {
    /// SHA-256 of `bytes`, as lowercase hex. API key secrets carry 238 random
    /// bits, so a plain digest is enough to make the stored value useless.
    public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
        hex(sha256(Array(bytes)))
    }

    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let done = bytes.withUnsafeBufferPointer { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil) == 1
        }
        return done && length == 32 ? digest : failedDigest()
    }

    /// HMAC-SHA-256 of `message` under `key`.
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard let keyLength = Int32(exactly: key.count) else { return failedDigest() }
        let done = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, keyLength, m.baseAddress, m.count, &digest, &length) != nil
            }
        }
        return done && length == 32 ? digest : failedDigest()
    }

    /// What a digest is when OpenSSL reports a failure: random, so it equals
    /// no stored digest and no other failure's. Comparisons fail closed
    /// (a key does not authenticate, a tag does not verify) instead of
    /// every failure matching every other as a zero digest would.
    static func failedDigest() -> [UInt8] {
        randomBytes(32)
    }

    /// Compares in time that depends only on the length, never on where the
    /// first difference is.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
        }
    }

    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    /// `count` bytes from the system's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension APIKeyToken {
    /// What is stored of a key: the SHA-256 of its secret, hex.
    public var secretDigest: String { SecretDigest.sha256Hex(Array(secret.utf8)) }
}
