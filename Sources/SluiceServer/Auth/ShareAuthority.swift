import Foundation
import SluiceCore
import SluiceCrypto
import SluiceStore
import Synchronization

/// Mints and checks share tokens: JWTs signed by the gateway (HS256, `kid`
/// selecting among the configured keys; the first one signs). Every minted
/// token is stored, so a token is only good while its record is live.
public final class ShareAuthority: Sendable {
    static let issuer = "sluice"
    static let audience = "sluice-share"

    private let signingKey: JWTKey
    private let verifier: JWTVerifier
    private let records = Mutex<[String: ShareTokenRecord]>([:])

    public init(keys: [JWTKey]) {
        precondition(!keys.isEmpty, "share authority needs a key")
        signingKey = keys[0]
        verifier = JWTVerifier(keys: keys, issuer: ShareAuthority.issuer, audience: ShareAuthority.audience)
    }

    /// Tokens whose signature was already checked, with their circle and jti:
    /// many viewers open streams with one widget's token, and each connect
    /// then costs a dictionary lookup instead of a signature check. Expiry and
    /// revocation are still checked on every use, against the record.
    private let verified = Mutex<[String: (circle: String, jti: String)]>([:])
    private static let verifiedLimit = 10_000

    private func verifiedClaims(_ token: String, now: Date) -> (String, String)? {
        if let hit = verified.withLock({ $0[token] }) { return hit }
        guard let claims = try? verifier.verify(token, now: now), let circle = claims["circle"]?.stringValue,
            let jti = claims["jti"]?.stringValue
        else { return nil }
        verified.withLock { cache in
            if cache.count >= ShareAuthority.verifiedLimit { cache.removeAll(keepingCapacity: true) }
            cache[token] = (circle, jti)
        }
        return (circle, jti)
    }

    /// The live record behind a token seen and verified before, from memory
    /// only; nil when anything would need a signature check or the store.
    public func cachedRecord(_ token: String, circle: CircleID, now: Date) -> ShareTokenRecord? {
        guard let hit = verified.withLock({ $0[token] }), hit.circle == circle.rawValue,
            let record = records.withLock({ $0[hit.jti] }), record.circle == circle, record.revokedAt == nil,
            record.expiresAt.milliseconds > Int64(now.timeIntervalSince1970 * 1000)
        else { return nil }
        return record
    }

    /// Mints a token for a validated record.
    public func mint(_ record: ShareTokenRecord) throws -> String {
        let claims: JSONValue = .object([
            ("iss", .string(ShareAuthority.issuer)),
            ("aud", .string(ShareAuthority.audience)),
            ("jti", .string(record.jti)),
            ("circle", .string(record.circle.rawValue)),
            ("element", .string(record.element)),
            ("purpose", .string(record.purpose)),
            ("subjects", .array(record.subjects.strings.map(JSONValue.string))),
            ("max_connections", .number(String(record.maxConnections))),
            ("origins", .array(record.origins.map(JSONValue.string))),
            ("iat", .number(String(record.createdAt.milliseconds / 1000))),
            ("exp", .number(String(record.expiresAt.milliseconds / 1000))),
        ])
        remember(record)
        return try JWTSigner.mint(claims: claims, key: signingKey)
    }

    public func remember(_ record: ShareTokenRecord) {
        records.withLock { $0[record.jti] = record }
    }

    public func forget(jti: String) {
        _ = records.withLock { $0.removeValue(forKey: jti) }
    }

    public func rememberAll(_ list: [ShareTokenRecord]) {
        records.withLock { records in for r in list { records[r.jti] = r } }
    }

    /// The live record behind `token` for `circle`, or 401 with no detail:
    /// invalid, expired, revoked and other-circle tokens look the same.
    public func verify(_ token: String, circle: CircleID, now: Date, store: any EventStore) async throws -> ShareTokenRecord {
        guard let (tokenCircle, jti) = verifiedClaims(token, now: now), tokenCircle == circle.rawValue else {
            throw SluiceError.unauthorized("invalid share token")
        }
        var record = records.withLock { $0[jti] }
        if record == nil, let stored = try await store.shareToken(jti: jti) {
            remember(stored)
            record = stored
        }
        let nowMS = Int64(now.timeIntervalSince1970 * 1000)
        guard let record, record.circle == circle, record.revokedAt == nil, record.expiresAt.milliseconds > nowMS else {
            throw SluiceError.unauthorized("invalid share token")
        }
        return record
    }
}
