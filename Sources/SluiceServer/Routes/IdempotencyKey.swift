import HTTPTypes
import SluiceCore
import SluiceCrypto
import SluiceStore

/// The `Idempotency-Key` header of ingest (contract section 3): 1-255
/// printable ASCII characters, scoped by credential and circle, bound to a
/// SHA-256 of the exact request body.
enum IdempotencyKey {
    static let header = HTTPField.Name("Idempotency-Key")!
    /// Set on an answer replayed from an earlier request with the same key.
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    /// The key, nil without the header; 400 naming the header when it is not 1-255 printable ASCII or given twice.
    static func parse(_ headers: HTTPFields) throws(SluiceError) -> String? {
        let values = headers[values: header]
        guard let value = values.first else { return nil }
        guard values.count == 1 else { throw .invalidField("Idempotency-Key", "must be given once") }
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw .invalidField("Idempotency-Key", "must be 1-255 printable ASCII characters")
        }
        return value
    }

    static func claim(_ key: String, credential: Principal.Credential, body: some Collection<UInt8>) -> IdempotencyClaim {
        IdempotencyClaim(credential: storedName(credential), key: key, bodyDigest: SecretDigest.sha256Hex(body))
    }

    /// The credential as the idempotency table names it: a key by its id, a
    /// session by a digest of issuer and subject (bounded, whatever they hold).
    static func storedName(_ credential: Principal.Credential) -> String {
        switch credential {
        case .apiKey(let id): return "key:\(id)"
        case .session(let issuer, let subject): return "session:" + SecretDigest.sha256Hex(Array("\(issuer)\n\(subject)".utf8))
        case .shareToken(let jti): return "share:\(jti)"
        }
    }
}
