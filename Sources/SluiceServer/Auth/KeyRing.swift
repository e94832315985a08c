import Foundation
import SluiceCore
import SluiceCrypto
import SluiceStore
import Synchronization

/// The live API keys, in memory: authenticating a key never reads the
/// database. It is loaded at start and then kept by the change feed (every
/// creation, revocation and rotation, wherever it was made). A circle key
/// works only while its circle's incarnation is the one it was made in. Use
/// is recorded here and written in batches by `KeyUsageService`.
public final class KeyRing: Sendable {
    private struct State: Sendable {
        var keys: [String: APIKeyRecord] = [:]
        var usage: [String: Timestamp] = [:]
    }

    private let state = Mutex(State())
    public let circles: CircleDirectory

    public init(circles: CircleDirectory) {
        self.circles = circles
    }

    /// Replaces the ring's content (at start).
    public func load(_ keys: [APIKeyRecord]) {
        let live = Dictionary(keys.filter { $0.revokedAt == nil }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        state.withLock { $0.keys = live }
    }

    /// Adds or replaces a key; a revoked one is removed.
    public func put(_ key: APIKeyRecord) {
        state.withLock { $0.keys[key.id] = key.revokedAt == nil ? key : nil }
    }

    public func remove(id: String) {
        _ = state.withLock { $0.keys.removeValue(forKey: id) }
    }

    public func record(id: String) -> APIKeyRecord? {
        state.withLock { $0.keys[id] }
    }

    /// Removes every key of `circle` made in `incarnation` (or with no
    /// incarnation); returns their ids.
    public func removeAll(circle: CircleID, incarnation: String?) -> [String] {
        state.withLock { state in
            let gone = state.keys.values.filter { $0.circle == circle && ($0.incarnation == incarnation || $0.incarnation == nil) }.map(\.id)
            for id in gone { state.keys[id] = nil }
            return gone
        }
    }

    /// The principal for a key's text, or nil when it is unknown, wrong,
    /// revoked, expired or of a circle's earlier incarnation. The secret is
    /// compared in constant time.
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
        if let circle = record.circle, !circles.isCurrent(circle, record.incarnation) { return nil }
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
