import GRDB

extension SQLiteEventStore {
    /// "v6-nodes": leases (one holder at a time for single-node work) and
    /// connection slots (a share token's `max_connections` over every node).
    /// SQLite's one gateway keeps both in memory; the tables exist so the
    /// engine passes the same store suite as PostgreSQL.
    static func registerNodes(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-nodes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE lease (
                        name TEXT PRIMARY KEY NOT NULL,
                        holder TEXT NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE TABLE connection_slot (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        credential TEXT NOT NULL,
                        holder TEXT NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE INDEX connection_slot_credential ON connection_slot (credential);
                    CREATE INDEX connection_slot_holder ON connection_slot (holder);
                    """)
        }
    }
}
