import Foundation

/// The Standard Webhooks signature of one attempt: `v1,` + base64 of
/// HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed by the decoded secret.
/// During a rotation the header carries one signature per secret,
/// space-separated, so receivers holding either secret accept it.
public enum WebhookSignature {
    /// One `v1,...` signature.
    public static func sign(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = SecretDigest.hmacSHA256(key: secret.key, message: message)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-signature` header value for every secret in force.
    public static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> String {
        secrets.map { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// Whether `header` holds a valid signature by `secret` (constant-time
    /// compare), for tests and for receivers written in Swift.
    public static func verify(header: String, id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> Bool {
        let expected = Array(sign(id: id, timestamp: timestamp, body: body, secret: secret).utf8)
        var found = false
        for candidate in header.split(separator: " ") where SecretDigest.constantTimeEquals(Array(candidate.utf8), expected) {
            found = true
        }
        return found
    }
}
