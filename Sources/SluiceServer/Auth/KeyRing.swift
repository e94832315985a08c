import Foundation
import SluiceCore
import SluiceCrypto
import SluiceStore
import Synchronization

/// The live API keys, in memory: authenticating a key never reads the
/// database. Revocation and rotation update the ring at once; a periodic
/// refresh picks up changes made by the offline CLI. Use is recorded here and
/// written in batches by `KeyUsageService`.
public final class KeyRing: Sendable {
    private struct State: Sendable {
        var keys: [String: APIKeyRecord] = [:]
        var usage: [String: Timestamp] = [:]
        /// Bumped by every `put` and `remove`; `changed` says when each id last
        /// changed, so a refresh from an older database snapshot neither drops
        /// a key created since nor brings back a key revoked since.
        var generation: UInt64 = 0
        var changed: [String: UInt64] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The generation to pass to `replaceAll` for a snapshot read after this call.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Replaces the ring's content with `keys`, read from the database after
    /// `generation` was taken; changes made here since then win. Returns the
    /// ids that disappeared or changed secret.
    @discardableResult
    public func replaceAll(with keys: [APIKeyRecord], takenAt generation: UInt64) -> [String] {
        state.withLock { state in
            var fresh = Dictionary(keys.filter { $0.revokedAt == nil }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for (id, changedAt) in state.changed where changedAt > generation { fresh[id] = state.keys[id] }
            state.changed = state.changed.filter { $0.value > generation }
            let gone = state.keys.keys.filter { fresh[$0] == nil || fresh[$0]?.secretDigest != state.keys[$0]?.secretDigest }
            state.keys = fresh
            return Array(gone)
        }
    }

    public func put(_ key: APIKeyRecord) {
        state.withLock { state in
            state.generation += 1
            state.changed[key.id] = state.generation
            state.keys[key.id] = key.revokedAt == nil ? key : nil
        }
    }

    public func remove(id: String) {
        state.withLock { state in
            state.generation += 1
            state.changed[id] = state.generation
            state.keys[id] = nil
        }
    }

    /// The principal for a key's text, or nil when it is unknown, wrong,
    /// revoked or expired. The secret is compared in constant time.
    public func authenticate(_ text: String, now: Timestamp) -> Principal? {
        guard let token = APIKeyToken(parsing: text) else { return nil }
        guard let record = state.withLock({ $0.keys[token.id] }) else {
            // Spend the same digest work as a hit, so timing does not tell ids apart.
            _ = SecretDigest.constantTimeEquals(token.secretDigest, String(repeating: "0", count: 64))
            return nil
        }
        let digest = token.secretDigest
        guard SecretDigest.constantTimeEquals(digest, record.secretDigest) else { return nil }
        if let expiry = record.expiresAt, expiry <= now { return nil }
        state.withLock { $0.usage[record.id] = now }
        return KeyRing.principal(for: record)
    }

    static func principal(for record: APIKeyRecord) -> Principal {
        let expiry = record.expiresAt.map { Date(timeIntervalSince1970: Double($0.milliseconds) / 1000) }
        if let circle = record.circle {
            return Principal(
                credential: .apiKey(id: record.id), circleScopes: [circle: record.scopes], subjectRestriction: record.subjects,
                face: record.face, expiresAt: expiry)
        }
        return Principal(
            credential: .apiKey(id: record.id), platformScopes: record.scopes, subjectRestriction: record.subjects,
            face: record.face, expiresAt: expiry)
    }

    /// Takes the use recorded since the last call, for one batched write.
    public func takeUsage() -> [String: Timestamp] {
        state.withLock { state in
            defer { state.usage.removeAll() }
            return state.usage
        }
    }
}
