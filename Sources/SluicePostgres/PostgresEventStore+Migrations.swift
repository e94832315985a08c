import Logging
import PostgresNIO
import SluiceCore

extension PostgresEventStore {
    /// Advisory lock key of the migrations ("sluice" in ASCII): the first
    /// node to start migrates, the others wait on it and then find the work done.
    static let migrationLock: Int64 = 0x736c_7569_6365

    /// Versioned schema, in order. Never edit a shipped version: add the next.
    /// Each is a list of statements (the extended protocol runs one at a time).
    static let migrations: [(version: Int, name: String, statements: [String])] = [
        (1, "v1-initial", initialSchema)
    ]

    /// Applies the versions `schema_version` lacks, in one transaction under
    /// the advisory lock, so two nodes starting together on an empty
    /// database both come up, and the schema is created once.
    func migrate() async throws {
        let logger = self.logger
        try await write { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(PostgresEventStore.migrationLock))", logger)
            try await connection.rows(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
                logger)
            var applied: Set<Int> = []
            for row in try await connection.rows("SELECT version FROM schema_version", logger) {
                applied.insert(try row.decode(Int.self))
            }
            for migration in PostgresEventStore.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.rows(PostgresQuery(unsafeSQL: statement), logger)
                }
                try await connection.rows(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (\(migration.version), \(migration.name), now())", logger)
            }
        }
    }

    /// Everything SQLite's v1 to v6 hold, in PostgreSQL's types; the change
    /// counter's one row replaces SQLite's AUTOINCREMENT, transactionally.
    static let initialSchema = [
        """
        CREATE TABLE circle (
            id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, last_seq BIGINT NOT NULL DEFAULT 0,
            trimmed_through BIGINT NOT NULL DEFAULT 0, incarnation TEXT NOT NULL, name TEXT)
        """,
        """
        CREATE TABLE event (
            circle TEXT NOT NULL, seq BIGINT NOT NULL, subject TEXT NOT NULL, invocation_id TEXT, run_id TEXT, actor_type TEXT,
            actor_id TEXT, trace_id TEXT, cache TEXT NOT NULL, payload TEXT NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (circle, seq))
        """,
        "CREATE INDEX event_run ON event (circle, run_id, seq) WHERE run_id IS NOT NULL",
        "CREATE INDEX event_ts ON event (circle, ts)",
        "CREATE TABLE invocation (circle TEXT NOT NULL, id TEXT NOT NULL, phase TEXT NOT NULL, PRIMARY KEY (circle, id))",
        """
        CREATE TABLE api_key (
            id TEXT PRIMARY KEY, circle TEXT, name TEXT, scopes TEXT NOT NULL, subjects TEXT NOT NULL, face TEXT NOT NULL,
            secret_digest TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT, last_used_at BIGINT,
            incarnation TEXT)
        """,
        "CREATE INDEX api_key_circle ON api_key (circle)",
        """
        CREATE TABLE share_token (
            jti TEXT PRIMARY KEY, circle TEXT NOT NULL, element TEXT NOT NULL, purpose TEXT NOT NULL, subjects TEXT NOT NULL,
            origins TEXT NOT NULL, max_connections INTEGER NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
            revoked_at BIGINT, incarnation TEXT NOT NULL)
        """,
        "CREATE INDEX share_token_circle ON share_token (circle)",
        "CREATE TABLE setting (name TEXT PRIMARY KEY, value BYTEA NOT NULL)",
        "CREATE TABLE change_counter (single BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single), last_id BIGINT NOT NULL)",
        "INSERT INTO change_counter (single, last_id) VALUES (TRUE, 0)",
        """
        CREATE TABLE change (
            id BIGINT PRIMARY KEY, kind TEXT NOT NULL, circle TEXT, subject TEXT, incarnation TEXT, at BIGINT NOT NULL)
        """,
        "CREATE INDEX change_at ON change (at)",
        """
        CREATE TABLE idempotency_key (
            circle TEXT NOT NULL REFERENCES circle (id) ON DELETE CASCADE, credential TEXT NOT NULL, key TEXT NOT NULL,
            body_digest TEXT NOT NULL, status INTEGER NOT NULL, first_seq BIGINT, event_count BIGINT, error_code TEXT,
            error_detail TEXT, created_at BIGINT NOT NULL, PRIMARY KEY (circle, credential, key))
        """,
        "CREATE INDEX idempotency_key_created ON idempotency_key (created_at)",
        """
        CREATE TABLE circle_limit (
            circle TEXT PRIMARY KEY REFERENCES circle (id) ON DELETE CASCADE, events_per_second INTEGER, streams INTEGER,
            updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE run (
            circle TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, started_at BIGINT NOT NULL, ended_at BIGINT,
            last_seq BIGINT NOT NULL, terminal_seq BIGINT, PRIMARY KEY (circle, id))
        """,
        """
        CREATE TABLE run_invocation (
            circle TEXT NOT NULL, run_id TEXT NOT NULL, invocation_id TEXT NOT NULL, status TEXT NOT NULL, started_seq BIGINT NOT NULL,
            started_at BIGINT NOT NULL, ended_at BIGINT, PRIMARY KEY (circle, run_id, invocation_id))
        """,
        """
        CREATE TABLE webhook (
            id TEXT PRIMARY KEY, circle TEXT NOT NULL REFERENCES circle (id) ON DELETE CASCADE, url TEXT NOT NULL,
            subjects TEXT NOT NULL, face TEXT NOT NULL, description TEXT, secret TEXT NOT NULL, previous_secret TEXT,
            previous_secret_until BIGINT, enabled BOOLEAN NOT NULL, disabled_reason TEXT, cursor BIGINT NOT NULL,
            failing_since BIGINT, created_at BIGINT NOT NULL)
        """,
        "CREATE INDEX webhook_circle ON webhook (circle)",
        """
        CREATE TABLE webhook_delivery (
            webhook TEXT NOT NULL REFERENCES webhook (id) ON DELETE CASCADE, seq BIGINT NOT NULL, status TEXT NOT NULL,
            attempts INTEGER NOT NULL, next_attempt_at BIGINT, last_status INTEGER, last_error TEXT, last_attempt_at BIGINT,
            created_at BIGINT NOT NULL, PRIMARY KEY (webhook, seq))
        """,
        "CREATE INDEX webhook_delivery_due ON webhook_delivery (webhook, status, next_attempt_at)",
        "CREATE TABLE lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)",
        """
        CREATE TABLE connection_slot (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, credential TEXT NOT NULL, holder TEXT NOT NULL,
            expires_at BIGINT NOT NULL)
        """,
        "CREATE INDEX connection_slot_credential ON connection_slot (credential)",
        "CREATE INDEX connection_slot_holder ON connection_slot (holder)",
    ]
}
