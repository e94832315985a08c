import Foundation
import SluiceCore
import SluiceCrypto
import SluiceStore
import Synchronization

/// Mints and checks share tokens: JWTs signed by the gateway (HS256, `kid`
/// selecting among the configured keys; the first one signs). Every minted
/// token is stored, so a token is only good while its record is live, and
/// while the circle incarnation it names (claim `inc`) is the current one.
/// The change feed evicts what it holds of revoked tokens and deleted circles.
public final class ShareAuthority: Sendable {
    static let issuer = "sluice"
    static let audience = "sluice-share"

    private let signingKey: JWTKey
    private let verifier: JWTVerifier
    private let circles: CircleDirectory
    private let records = Mutex<[String: ShareTokenRecord]>([:])
    /// Jtis revoked while this gateway runs: a record read from the store
    /// just before its revocation committed cannot bring the token back.
    private let revoked = Mutex<Set<String>>([])

    /// What a verified token names.
    private struct Claims: Sendable {
        let circle: String
        let jti: String
        let incarnation: String
    }

    /// `keys` is never empty: the gateway falls back to a key kept in the database.
    public init(keys: [JWTKey], circles: CircleDirectory) {
        precondition(!keys.isEmpty, "share authority needs a key")
        signingKey = keys[0]
        verifier = JWTVerifier(keys: keys, issuer: ShareAuthority.issuer, audience: ShareAuthority.audience)
        self.circles = circles
    }

    /// The configured signing keys, or the one generated once and kept in the database.
    public static func signingKeys(configuration: SluiceConfiguration, store: any EventStore) async throws -> [JWTKey] {
        guard configuration.shareKeys.isEmpty else { return configuration.shareKeys }
        let secret = try await store.setting("share_signing_key", default: SecretDigest.randomBytes(32))
        return [try JWTKey(id: "db-1", algorithm: .hs256, material: Array(SecretDigest.hex(secret).utf8))]
    }

    /// Tokens whose signature was already checked, with their claims: many
    /// viewers open streams with one widget's token, and each connect then
    /// costs a dictionary lookup instead of a signature check. Expiry,
    /// revocation and incarnation are still checked on every use.
    private let verified = Mutex<[String: Claims]>([:])
    private static let verifiedLimit = 10_000

    private func verifiedClaims(_ token: String, now: Date) -> Claims? {
        if let hit = verified.withLock({ $0[token] }) { return hit }
        guard let claims = try? verifier.verify(token, now: now), let circle = claims["circle"]?.stringValue,
            let jti = claims["jti"]?.stringValue, let incarnation = claims["inc"]?.stringValue
        else { return nil }
        let hit = Claims(circle: circle, jti: jti, incarnation: incarnation)
        verified.withLock { cache in
            if cache.count >= ShareAuthority.verifiedLimit { cache.removeAll(keepingCapacity: true) }
            cache[token] = hit
        }
        return hit
    }

    /// Whether `record` backs a token with `claims` for `circle` at `now`.
    private func isLive(_ record: ShareTokenRecord, claims: Claims, circle: CircleID, now: Date) -> Bool {
        record.circle == circle && record.revokedAt == nil && !revoked.withLock({ $0.contains(record.jti) })
            && record.incarnation == claims.incarnation
            && circles.isCurrent(circle, claims.incarnation)
            && record.expiresAt.milliseconds > Int64(now.timeIntervalSince1970 * 1000)
    }

    /// The live record behind a token, from memory only (`verdict`); nil
    /// when the store would have to be read or the token is not live.
    public func cachedRecord(_ token: String, circle: CircleID, now: Date) -> ShareTokenRecord? {
        if case .live(let record) = verdict(token, circle: circle, now: now) { return record }
        return nil
    }

    /// What can be known of a token from memory, for the listener's fast path.
    public enum MemoryVerdict: Sendable {
        /// Verified (its signature now or before) and backed by a live record.
        case live(ShareTokenRecord)
        /// Signed and for this circle, but its record is not in memory: only
        /// `verify`, which reads the store, can say.
        case needsStore
        /// Not a live token for this circle, whatever the store holds.
        case refused
    }

    /// The fast path's check: the signature verified before (or checked
    /// here, then remembered, rather than declining at once, so the first
    /// viewers of a widget do not all go through the route) and the live
    /// record in memory.
    public func verdict(_ token: String, circle: CircleID, now: Date) -> MemoryVerdict {
        guard let claims = verifiedClaims(token, now: now), claims.circle == circle.rawValue else { return .refused }
        guard let record = records.withLock({ $0[claims.jti] }) else { return .needsStore }
        return isLive(record, claims: claims, circle: circle, now: now) ? .live(record) : .refused
    }

    /// Verifications of tokens whose record the store holds, started by the
    /// fast path: connections that bring the same token meanwhile wait for
    /// the one read. At most `warmingLimit` at once; past that the fast path
    /// declines and the route verifies, as for any token.
    private let warming = Mutex<[String: Task<Void, Never>]>([:])
    private static let warmingLimit = 1_024

    /// Runs `verify` once for all the connections that bring `token` now,
    /// so that `verdict` finds its record afterwards; returns at once when
    /// too many verifications are running already.
    public func warm(_ token: String, circle: CircleID, now: Date, store: any EventStore) async {
        let task = warming.withLock { warming -> Task<Void, Never>? in
            if let running = warming[token] { return running }
            guard warming.count < ShareAuthority.warmingLimit else { return nil }
            let task = Task {
                _ = try? await self.verify(token, circle: circle, now: now, store: store)
                _ = self.warming.withLock { $0.removeValue(forKey: token) }
            }
            warming[token] = task
            return task
        }
        await task?.value
    }

    /// Mints a token for a stored record (which carries its incarnation).
    public func mint(_ record: ShareTokenRecord) throws -> String {
        let claims: JSONValue = .object([
            ("iss", .string(ShareAuthority.issuer)),
            ("aud", .string(ShareAuthority.audience)),
            ("jti", .string(record.jti)),
            ("circle", .string(record.circle.rawValue)),
            ("inc", .string(record.incarnation)),
            ("element", .string(record.element)),
            ("purpose", .string(record.purpose)),
            ("subjects", .array(record.subjects.strings.map(JSONValue.string))),
            ("max_connections", .number(String(record.maxConnections))),
            ("origins", .array(record.origins.map(JSONValue.string))),
            ("iat", .number(String(record.createdAt.milliseconds / 1000))),
            ("exp", .number(String(record.expiresAt.milliseconds / 1000))),
        ])
        return try JWTSigner.mint(claims: claims, key: signingKey)
    }

    public func remember(_ record: ShareTokenRecord) {
        records.withLock { $0[record.jti] = record }
    }

    /// Forgets a revoked token: its record and its verified signature.
    public func forget(jti: String) {
        revoked.withLock { set in
            if set.count >= 100_000 { set.removeAll(keepingCapacity: true) }
            set.insert(jti)
        }
        _ = records.withLock { $0.removeValue(forKey: jti) }
        verified.withLock { cache in cache = cache.filter { $0.value.jti != jti } }
    }

    /// Forgets every token of a deleted circle incarnation.
    public func forgetAll(circle: CircleID, incarnation: String?) {
        records.withLock { records in
            records = records.filter { $0.value.circle != circle || ($0.value.incarnation != incarnation && incarnation != nil) }
        }
        verified.withLock { cache in
            cache = cache.filter { $0.value.circle != circle.rawValue || ($0.value.incarnation != incarnation && incarnation != nil) }
        }
    }

    /// The live record behind `token` for `circle`, or 401 with no detail:
    /// invalid, expired, revoked, other-circle and deleted-circle tokens look the same.
    public func verify(_ token: String, circle: CircleID, now: Date, store: any EventStore) async throws -> ShareTokenRecord {
        guard let claims = verifiedClaims(token, now: now), claims.circle == circle.rawValue else {
            throw SluiceError.unauthorized("invalid share token")
        }
        var record = records.withLock { $0[claims.jti] }
        if record == nil, let stored = try await store.shareToken(jti: claims.jti) {
            remember(stored)
            record = stored
        }
        guard let record, isLive(record, claims: claims, circle: circle, now: now) else {
            throw SluiceError.unauthorized("invalid share token")
        }
        return record
    }
}
