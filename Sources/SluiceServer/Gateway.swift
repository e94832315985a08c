import Foundation
import Logging
import SluiceCore
import SluiceCrypto
import SluiceHub
import SluiceStore

/// Everything a request needs, built once at start-up: the store, the hub,
/// the ingest pipeline, the authorities and the configuration.
///
/// A class: every connection, route and service holds the one instance by
/// reference. As a struct it was copied into each of them, with the whole
/// configuration inline: about 800 bytes and thirty retains per accepted
/// connection.
public final class Gateway: Sendable {
    public let configuration: SluiceConfiguration
    public let store: any EventStore
    public let hub: Hub
    public let policies: PolicyStore
    public let ingest: IngestPipeline
    public let keys: KeyRing
    /// The current incarnation of every circle, which keys and tokens must match.
    public let circles: CircleDirectory
    /// The store's change feed, applied to every cache above.
    public let changes: ChangeFeed
    public let authenticator: Authenticator
    public let shares: ShareAuthority
    public let opaqueIDs: OpaqueEventID
    public let metrics: SluiceMetrics
    public let logger: Logger
    public let now: @Sendable () -> Date
    /// This process's random id among the nodes of a shared store: the
    /// holder of its leases and connection slots.
    public let nodeID: String
    /// Whether the shared database answered lately (kept by `ReadinessProbe`).
    public let readiness: StoreReadiness

    var timestamp: Timestamp { Timestamp(milliseconds: Int64(now().timeIntervalSince1970 * 1000)) }

    init(
        configuration: SluiceConfiguration, store: any EventStore, hub: Hub, policies: PolicyStore, ingest: IngestPipeline, keys: KeyRing,
        circles: CircleDirectory, changes: ChangeFeed, authenticator: Authenticator, shares: ShareAuthority, opaqueIDs: OpaqueEventID,
        metrics: SluiceMetrics, logger: Logger, now: @escaping @Sendable () -> Date, nodeID: String, readiness: StoreReadiness
    ) {
        self.configuration = configuration
        self.store = store
        self.hub = hub
        self.policies = policies
        self.ingest = ingest
        self.keys = keys
        self.circles = circles
        self.changes = changes
        self.authenticator = authenticator
        self.shares = shares
        self.opaqueIDs = opaqueIDs
        self.metrics = metrics
        self.logger = logger
        self.now = now
        self.nodeID = nodeID
        self.readiness = readiness
    }

    /// Bootstraps the platform key in `store` (opened by the caller, which
    /// chose the engine), loads keys, share-token keys and policies.
    /// `printKey` receives a newly created platform key, once, to show on
    /// standard error.
    public static func make(
        configuration: SluiceConfiguration, store: any EventStore, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        printKey: @Sendable (String) -> Void
    ) async throws -> Gateway {
        let stamp: @Sendable () -> Timestamp = { Timestamp(milliseconds: Int64(now().timeIntervalSince1970 * 1000)) }
        try await bootstrapPlatformKey(store: store, configuration: configuration, at: stamp(), printKey: printKey, logger: logger)

        // The feed is followed from the newest change before anything is
        // loaded, so a change committed while loading is applied after.
        let cursor = try await store.latestChangeID()
        let circles = CircleDirectory()
        circles.load(try await store.circleIncarnations())
        let keys = KeyRing(circles: circles)
        keys.load(try await store.activeKeys())

        if configuration.shareKeys.isEmpty {
            logger.warning("no share_tokens.keys configured: signing share tokens with a key generated once and kept in the database")
        }
        let shares = ShareAuthority(keys: try await ShareAuthority.signingKeys(configuration: configuration, store: store), circles: circles)
        let opaqueSecret = try await store.setting("opaque_id_secret", default: SecretDigest.randomBytes(32))

        let policies = PolicyStore()
        do {
            policies.replace(with: try PolicyLoader.load(directory: configuration.policies))
        } catch {
            throw SluiceError.invalidConfiguration("policies: \(error.detail)")
        }
        let metrics = SluiceMetrics()
        let nodeID = "node-" + UUID().uuidString.lowercased()
        let hub = Hub(
            policies: policies, limits: configuration.hub, circleLimits: CircleLimits(defaults: configuration.fairness), figures: metrics,
            followsStore: store.isShared, slots: store.isShared ? ConnectionSlots(store: store, holder: nodeID, now: stamp) : nil)
        hub.circleLimits.replaceOverrides(try await store.circleLimits())
        for circle in try await store.circles() {
            hub.seed(circle.id, latest: try await store.bounds(of: circle.id).latest)
        }
        let ingest = IngestPipeline(store: store, hub: hub, now: stamp, logger: logger)
        let caches = CredentialCaches(store: store, circles: circles, keys: keys, shares: shares, hub: hub, logger: logger)
        let changes = ChangeFeed(store: store, cursor: cursor, observers: [caches])
        // Everything above read the database: it answers now.
        let readiness = StoreReadiness()
        readiness.record(available: true)
        return Gateway(
            configuration: configuration, store: store, hub: hub, policies: policies, ingest: ingest, keys: keys, circles: circles,
            changes: changes,
            authenticator: Authenticator(keys: keys, sessions: SessionAuthority(issuers: configuration.issuers), now: now),
            shares: shares, opaqueIDs: OpaqueEventID(secret: opaqueSecret), metrics: metrics, logger: logger, now: now, nodeID: nodeID,
            readiness: readiness)
    }

    /// First start on an empty database creates a platform key and prints it
    /// once; `SLUICE_ADMIN_KEY` installs that key instead.
    static func bootstrapPlatformKey(
        store: any EventStore, configuration: SluiceConfiguration, at: Timestamp, printKey: (String) -> Void, logger: Logger
    ) async throws {
        if let admin = configuration.adminKey {
            let digest = admin.secretDigest
            if try await installed(admin.id, digest: digest, in: store) { return }
            do {
                try await store.insertKey(platformRecord(id: admin.id, digest: digest, at: at))
            } catch {
                // Another node starting on the same database at the same
                // moment may have installed the same key first.
                guard try await installed(admin.id, digest: digest, in: store) else { throw error }
                return
            }
            logger.notice("platform key from SLUICE_ADMIN_KEY installed", metadata: ["key_id": "\(admin.id)"])
            return
        }
        guard try await store.keys(in: nil).isEmpty else { return }
        var generator = SystemRandomNumberGenerator()
        let token = APIKeyToken.generate(using: &generator)
        try await store.insertKey(platformRecord(id: token.id, digest: token.secretDigest, at: at))
        printKey(token.text)
    }

    /// Whether `id` is already the live platform key with `digest`; throws
    /// when the id belongs to another key.
    private static func installed(_ id: String, digest: String, in store: any EventStore) async throws -> Bool {
        guard let existing = try await store.key(id: id) else { return false }
        guard existing.circle == nil, existing.revokedAt == nil, existing.secretDigest == digest else {
            throw SluiceError.invalidConfiguration("SLUICE_ADMIN_KEY: its id is taken by another key")
        }
        return true
    }

    static func platformRecord(id: String, digest: String, at: Timestamp) -> APIKeyRecord {
        APIKeyRecord(
            id: id, circle: nil, name: "platform", scopes: [.platformAdmin], subjects: .all, face: Face.defaultName,
            secretDigest: digest, createdAt: at, expiresAt: nil)
    }
}
