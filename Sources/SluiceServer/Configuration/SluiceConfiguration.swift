import Foundation
import SluiceCore
import SluiceCrypto
import SluiceHub
import SluiceStore

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
    // Several nodes (issue 12): the PostgreSQL pool, statement timeout and TLS mode.
    public var databaseOptions = DatabaseOptions()
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
    // Security (issue 9): the change feed and the session-cookie WebSocket rule.
    /// Seconds between reads of the store's change feed (at most 0.5).
    public var changeFeedPollSeconds: Double = 0.25
    /// Origins (normalized) from which a WebSocket authenticated by the
    /// `sluice_session` cookie may upgrade; none by default.
    public var sessionAllowedOrigins: [String] = []
    // Ingest (issue 11): fairness between circles, and how often overrides and expired idempotency keys are looked at.
    public var fairness = FairnessLimits()
    public var limitsPollSeconds: Double = 1
    public var idempotencyExpiryIntervalSeconds: Double = 300
    // Operability: how log lines are written, `text` or `json` (JSON lines).
    public var logFormat = "text"
    // Connections (robustness): deadlines and the global cap.
    /// A connection must send its first complete request head within this.
    public var requestHeadTimeoutSeconds: Double = 10
    /// A keep-alive connection idle this long between requests is closed.
    public var keepAliveIdleSeconds: Double = 60
    /// Open connections past which new ones are closed at once; nil: the
    /// descriptor limit less a reserve for the database and files.
    public var maxConnections: Int?
    // Webhooks (issue 13): delivery settings, see SluiceConfiguration+Webhooks.swift.
    public var webhooks = WebhookSettings()
    // Performance (issue 16): pipelined ingest requests read ahead.
    /// Most pipelined ingest requests of one connection answered together
    /// with the one before them (they share its commit); 0 turns it off.
    public var pipelineReadAhead = 63

    public init() {}

    /// The SQLite path, when the database is SQLite.
    public var sqlitePath: String? {
        database.hasPrefix("sqlite:") ? String(database.dropFirst("sqlite:".count)) : nil
    }

    public var listen: String { "\(host):\(port)" }

    /// The base URL for links: `publicURL` or the listen address.
    public var baseURL: String { publicURL ?? "http://\(listen)" }
}
