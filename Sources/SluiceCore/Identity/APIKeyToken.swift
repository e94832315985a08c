/// The text form of an API key, `slk_<id>_<secret>`: a 12-character lowercase
/// id and a 40-character base62 secret (238 bits). Only a digest of the secret
/// is ever stored.
public struct APIKeyToken: Sendable, Equatable {
    public let id: String
    public let secret: String

    public static let prefix = "slk_"
    public static let idLength = 12
    public static let secretLength = 40

    private static let idAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A new key from `generator`, which must be a CSPRNG in production
    /// (`SystemRandomNumberGenerator` reads the system's).
    public static func generate(using generator: inout some RandomNumberGenerator) -> APIKeyToken {
        APIKeyToken(
            id: randomString(idLength, from: idAlphabet, using: &generator),
            secret: randomString(secretLength, from: secretAlphabet, using: &generator)
        )
    }

    /// A fresh secret for an existing id (rotation).
    public func rotated(using generator: inout some RandomNumberGenerator) -> APIKeyToken {
        APIKeyToken(id: id, secret: APIKeyToken.randomString(APIKeyToken.secretLength, from: APIKeyToken.secretAlphabet, using: &generator))
    }

    public init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// Parses the text form; nil for anything malformed.
    public init?(parsing text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        let total = APIKeyToken.prefix.utf8.count + APIKeyToken.idLength + 1 + APIKeyToken.secretLength
        guard utf8.count == total, text.hasPrefix(APIKeyToken.prefix) else { return nil }
        let idStart = APIKeyToken.prefix.utf8.count
        let idBytes = utf8[idStart..<(idStart + APIKeyToken.idLength)]
        guard utf8[idStart + APIKeyToken.idLength] == UInt8(ascii: "_") else { return nil }
        let secretBytes = utf8[(idStart + APIKeyToken.idLength + 1)...]
        guard idBytes.allSatisfy(APIKeyToken.idAlphabet.contains),
            secretBytes.allSatisfy(APIKeyToken.secretAlphabet.contains)
        else { return nil }
        self.id = String(decoding: idBytes, as: UTF8.self)
        self.secret = String(decoding: secretBytes, as: UTF8.self)
    }

    /// The whole key, shown once at creation.
    public var text: String { "\(APIKeyToken.prefix)\(id)_\(secret)" }

    /// Whether `id` has the shape of a key id (for routes that take one).
    public static func isValidID(_ id: String) -> Bool {
        id.utf8.count == idLength && id.utf8.allSatisfy(idAlphabet.contains)
    }

    private static func randomString(_ length: Int, from alphabet: [UInt8], using generator: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<length {
            bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
