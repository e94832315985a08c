/// How a gateway talks to a shared database (PostgreSQL): the settings
/// `database.pool_size`, `database.statement_timeout_seconds` and
/// `database.tls`. SQLite, embedded, ignores them.
public struct DatabaseOptions: Sendable, Equatable {
    /// Whether the connection to the database is encrypted.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Never: a database on loopback or a private network.
        case disable
        /// When the server offers it (its certificate unchecked), else in the clear.
        case prefer
        /// Always, with the server's certificate verified.
        case require
    }

    /// Connections in the pool (at most), besides the one that listens for wake-ups.
    public var poolSize = 10
    /// A statement running longer is cancelled, and the call fails `unavailable`.
    public var statementTimeoutSeconds: Double = 30
    public var tls = TLSMode.prefer

    public init(poolSize: Int = 10, statementTimeoutSeconds: Double = 30, tls: TLSMode = .prefer) {
        self.poolSize = poolSize
        self.statementTimeoutSeconds = statementTimeoutSeconds
        self.tls = tls
    }
}
