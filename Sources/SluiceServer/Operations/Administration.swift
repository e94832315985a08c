import Foundation
import Logging
import SluiceCore
import SluiceHub
import SluiceStore

/// The application layer: every administrative operation (keys, share
/// tokens, circles) as one typed call with typed results, holding its rules
/// in one place. The HTTP routes and the offline command are thin callers.
/// `actor` is the authenticated principal, or nil for the operator at the
/// console of the database, who holds everything.
public struct Administration: Sendable {
    public let store: any EventStore
    public let policies: PolicyStore
    public let configuration: SluiceConfiguration
    public let shareAuthority: ShareAuthority
    public let now: @Sendable () -> Timestamp
    /// Brings this process's caches in step with what was just written (the
    /// gateway's change feed); nothing offline, where the running gateway
    /// follows the feed itself.
    let applyChanges: @Sendable () async -> Void

    public init(
        store: any EventStore, policies: PolicyStore, configuration: SluiceConfiguration, shareAuthority: ShareAuthority,
        now: @escaping @Sendable () -> Timestamp, applyChanges: @escaping @Sendable () async -> Void
    ) {
        self.store = store
        self.policies = policies
        self.configuration = configuration
        self.shareAuthority = shareAuthority
        self.now = now
        self.applyChanges = applyChanges
    }

    public var keys: KeyOperations { KeyOperations(administration: self) }
    public var shareTokens: ShareOperations { ShareOperations(administration: self) }
    public var circles: CircleOperations { CircleOperations(administration: self) }
    /// The webhook operations, through the policies in force now.
    public var webhooks: WebhookOperations {
        WebhookOperations(store: store, policies: policies.snapshot, settings: configuration.webhooks, now: now())
    }

    /// What `actor` holds in `circle` after checking it holds `scope` there
    /// and that the circle exists. A circle the actor cannot see answers
    /// 403 before 404, so its existence is not revealed.
    func grant(of actor: Principal?, _ scope: Scope, in circle: CircleID) async throws -> Grant {
        if let actor { try actor.require(scope, in: circle) }
        guard try await store.circleExists(circle) else { throw SluiceError.notFound("no such circle") }
        return actor.map { Grant($0, in: circle) } ?? .everything
    }

    /// The faces defined for `circle` now, for face comparison.
    func faces(of circle: CircleID) -> @Sendable (String) -> Face? {
        let snapshot = policies.snapshot
        return { snapshot.face($0, for: circle) }
    }

    /// Administration straight on the configured database, for the offline
    /// command: the change rows it writes reach a running gateway through
    /// its change feed.
    public static func offline(configuration: SluiceConfiguration, store: any EventStore) async throws -> Administration {
        let policies = PolicyStore()
        do {
            policies.replace(with: try PolicyLoader.load(directory: configuration.policies))
        } catch {
            throw SluiceError.invalidConfiguration("policies: \(error.detail)")
        }
        let keys = try await ShareAuthority.signingKeys(configuration: configuration, store: store)
        return Administration(
            store: store, policies: policies, configuration: configuration,
            shareAuthority: ShareAuthority(keys: keys, circles: CircleDirectory()),
            now: { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }, applyChanges: {})
    }
}
