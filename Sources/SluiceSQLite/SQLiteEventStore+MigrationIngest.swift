import GRDB

extension SQLiteEventStore {
    /// "v3-ingest": idempotency keys (recorded in the transaction of the
    /// events they answer) and per-circle fairness overrides. Both go with
    /// their circle (`ON DELETE CASCADE`), so a circle created again later
    /// inherits neither.
    static func registerIngest(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-ingest") { db in
            try db.execute(
                sql: """
                    CREATE TABLE idempotency_key (
                        circle TEXT NOT NULL REFERENCES circle (id) ON DELETE CASCADE,
                        credential TEXT NOT NULL,
                        key TEXT NOT NULL,
                        body_digest TEXT NOT NULL,
                        status INTEGER NOT NULL,
                        first_seq INTEGER,
                        event_count INTEGER,
                        error_code TEXT,
                        error_detail TEXT,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (circle, credential, key)
                    ) WITHOUT ROWID;
                    CREATE INDEX idempotency_key_created ON idempotency_key (created_at);
                    CREATE TABLE circle_limit (
                        circle TEXT PRIMARY KEY NOT NULL REFERENCES circle (id) ON DELETE CASCADE,
                        events_per_second INTEGER,
                        streams INTEGER,
                        updated_at INTEGER NOT NULL
                    );
                    """)
        }
    }
}
