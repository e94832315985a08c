import Logging
import SluiceCore
import SluiceHub
import SluiceStore

/// The gateway's caches of credentials and circles, kept by the change
/// feed: the circle directory, the key ring, the share-token records and
/// verified tokens, the public fast path's parsed targets, and the hub's
/// open streams (closed when their credential or circle ends).
struct CredentialCaches: ChangeObserver {
    let store: any EventStore
    let circles: CircleDirectory
    let keys: KeyRing
    let shares: ShareAuthority
    let hub: Hub
    let logger: Logger

    func apply(_ change: Change) async {
        switch change.kind {
        case .circleCreated:
            guard let circle = change.circle, let incarnation = change.incarnation else { return }
            circles.set(circle, incarnation: incarnation)
            // Unread on a shared store, the circle is followed from its first stream on.
            if let latest = try? await store.bounds(of: circle).latest {
                hub.seed(circle, latest: latest)
            } else if !store.isShared {
                hub.seed(circle, latest: 0)
            }
        case .circleDeleted:
            guard let circle = change.circle else { return }
            circleDeleted(circle, incarnation: change.incarnation)
        case .keyCreated, .keyRotated:
            guard let id = change.subject else { return }
            do {
                if let record = try await store.key(id: id), record.revokedAt == nil {
                    keys.put(record)
                } else {
                    keys.remove(id: id)
                }
            } catch {
                // Unknown state: the key must not keep working.
                keys.remove(id: id)
                logger.error("key reload failed", metadata: ["key_id": "\(id)", "error": "\(type(of: error))"])
            }
            if change.kind == .keyRotated { hub.close(credential: .apiKey(id: id)) }
        case .keyRevoked:
            guard let id = change.subject else { return }
            keys.remove(id: id)
            hub.close(credential: .apiKey(id: id))
        case .shareRevoked:
            guard let jti = change.subject else { return }
            shares.forget(jti: jti)
            hub.close(credential: .shareToken(jti: jti))
        default:
            // share.created needs nothing (records load on first use); other
            // kinds belong to other observers.
            return
        }
    }

    /// Ends everything of one incarnation of a circle. Streams are indexed by
    /// circle id only, so every stream of the id closes; a circle re-created
    /// in the same instant loses its first streams rather than anything leaking.
    func circleDeleted(_ circle: CircleID, incarnation: String?) {
        if let incarnation { circles.remove(circle, incarnation: incarnation) }
        for id in keys.removeAll(circle: circle, incarnation: incarnation) { hub.close(credential: .apiKey(id: id)) }
        shares.forgetAll(circle: circle, incarnation: incarnation)
        PublicStreamFastPath.forget(circle: circle)
        hub.close(circle: circle)
        if circles.incarnation(of: circle) == nil { hub.forget(circle) }
    }
}
