import Foundation
import SluiceCore
import SluiceCrypto
import SluiceHub

/// Every setting of the gateway with its default, read once at start-up from
/// `Config/sluice.yaml` (or `--config FILE`) and then `SLUICE_*` environment
/// variables. Nothing deeper reads the environment.
public struct SluiceConfiguration: Sendable {
    /// A session-JWT issuer: its `iss`, the audience it must name, its keys.
    public struct Issuer: Sendable {
        public var issuer: String
        public var audience: String?
        public var keys: [JWTKey]

        public init(issuer: String, audience: String?, keys: [JWTKey]) {
            self.issuer = issuer
            self.audience = audience
            self.keys = keys
        }
    }

    public var host = "127.0.0.1"
    public var port = 8080
    /// `sqlite:PATH` (the embedded default) or a `postgres://` URL.
    public var database = "sqlite:data/sluice.db"
    public var policies = "policies"
    /// Base of the URLs printed for share tokens and the demo.
    public var publicURL: String?
    /// A well-formed key to install as the platform key (scripted set-ups, tests).
    public var adminKey: APIKeyToken?
    public var heartbeatSeconds: Double = 15
    public var retryMilliseconds = 3000
    public var retentionMaxEvents: Int? = 100_000
    public var retentionMaxAgeSeconds: Int?
    public var retentionIntervalSeconds: Double = 30
    public var limits = IngestLimits()
    public var hub = HubLimits()
    public var issuers: [Issuer] = []
    /// Share-token signing keys (HS256, secrets from the environment); the first signs.
    public var shareKeys: [JWTKey] = []
    public var shareMaxTTLSeconds = 30 * 86_400
    public var shareDefaultTTLSeconds = 86_400
    public var shareDefaultMaxConnections = 100
    public var policyPollSeconds: Double = 1
    public var keyRefreshSeconds: Double = 1
    public var logLevel = "info"
    /// Origins allowed by CORS on authenticated routes (none by default).
    public var corsOrigins: [String] = []
    // Webhooks (issue 13): delivery settings, see SluiceConfiguration+Webhooks.swift.
    public var webhooks = WebhookSettings()

    public init() {}

    /// The SQLite path, when the database is SQLite.
    public var sqlitePath: String? {
        database.hasPrefix("sqlite:") ? String(database.dropFirst("sqlite:".count)) : nil
    }

    public var listen: String { "\(host):\(port)" }

    /// The base URL for links: `publicURL` or the listen address.
    public var baseURL: String { publicURL ?? "http://\(listen)" }
}
