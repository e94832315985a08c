import GRDB

extension SQLiteEventStore {
    /// Versioned schema. Never edit a shipped migration: add the next one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE circle (
                        id TEXT PRIMARY KEY NOT NULL,
                        created_at INTEGER NOT NULL,
                        last_seq INTEGER NOT NULL,
                        trimmed_through INTEGER NOT NULL
                    );
                    CREATE TABLE event (
                        circle TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        subject TEXT NOT NULL,
                        invocation_id TEXT,
                        run_id TEXT,
                        actor_type TEXT,
                        actor_id TEXT,
                        trace_id TEXT,
                        cache TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        ts INTEGER NOT NULL,
                        PRIMARY KEY (circle, seq)
                    ) WITHOUT ROWID;
                    CREATE INDEX event_run ON event (circle, run_id, seq) WHERE run_id IS NOT NULL;
                    CREATE INDEX event_ts ON event (circle, ts);
                    CREATE TABLE invocation (
                        circle TEXT NOT NULL,
                        id TEXT NOT NULL,
                        phase TEXT NOT NULL,
                        PRIMARY KEY (circle, id)
                    ) WITHOUT ROWID;
                    CREATE TABLE api_key (
                        id TEXT PRIMARY KEY NOT NULL,
                        circle TEXT,
                        name TEXT,
                        scopes TEXT NOT NULL,
                        subjects TEXT NOT NULL,
                        face TEXT NOT NULL,
                        secret_digest TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER,
                        revoked_at INTEGER,
                        last_used_at INTEGER
                    );
                    CREATE INDEX api_key_circle ON api_key (circle);
                    CREATE TABLE share_token (
                        jti TEXT PRIMARY KEY NOT NULL,
                        circle TEXT NOT NULL,
                        element TEXT NOT NULL,
                        purpose TEXT NOT NULL,
                        subjects TEXT NOT NULL,
                        origins TEXT NOT NULL,
                        max_connections INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE INDEX share_token_circle ON share_token (circle);
                    CREATE TABLE setting (
                        name TEXT PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL
                    );
                    """)
        }
        registerSecurity(&migrator)
        registerIngest(&migrator)
        registerClients(&migrator)
        registerWebhooks(&migrator)
        registerNodes(&migrator)
        return migrator
    }
}
