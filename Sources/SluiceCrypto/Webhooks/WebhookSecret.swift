import Foundation

/// A webhook signing secret in the Standard Webhooks form: `whsec_` and the
/// base64 of 32 random bytes. Receivers key their HMAC with the decoded bytes,
/// so the text is only ever shown to the subscription's owner (at creation and
/// rotation) and never logged or listed.
public struct WebhookSecret: Sendable, Equatable {
    public static let prefix = "whsec_"

    /// The whole secret as shown once (`whsec_...`).
    public let text: String
    /// The decoded key bytes the HMAC is keyed with.
    public let key: [UInt8]

    /// Parses a stored or configured secret; nil when it is not `whsec_` + base64.
    public init?(text: String) {
        guard text.hasPrefix(WebhookSecret.prefix),
            let data = Data(base64Encoded: String(text.dropFirst(WebhookSecret.prefix.count))), !data.isEmpty
        else { return nil }
        self.text = text
        self.key = Array(data)
    }

    /// A new secret from the system's CSPRNG.
    public static func generate() -> WebhookSecret {
        let bytes = SecretDigest.randomBytes(32)
        let text = prefix + Data(bytes).base64EncodedString()
        // The text was built from valid base64 just above, so parsing cannot fail.
        return WebhookSecret(text: text) ?? WebhookSecret(unchecked: text, key: bytes)
    }

    private init(unchecked text: String, key: [UInt8]) {
        self.text = text
        self.key = key
    }
}

extension WebhookSecret: CustomStringConvertible {
    /// Never the secret itself, so string interpolation cannot leak it.
    public var description: String { "whsec_***" }
}
