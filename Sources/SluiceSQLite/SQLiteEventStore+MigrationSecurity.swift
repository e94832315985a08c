import GRDB

extension SQLiteEventStore {
    /// "v2-security": circle incarnations (keys and share tokens are bound
    /// to the incarnation they were made in) and the change feed.
    static func registerSecurity(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-security") { db in
            try db.execute(
                sql: """
                    ALTER TABLE circle ADD COLUMN incarnation TEXT NOT NULL DEFAULT '';
                    UPDATE circle SET incarnation = lower(hex(randomblob(16)));
                    ALTER TABLE api_key ADD COLUMN incarnation TEXT;
                    UPDATE api_key SET incarnation = (SELECT incarnation FROM circle WHERE circle.id = api_key.circle)
                        WHERE circle IS NOT NULL;
                    ALTER TABLE share_token ADD COLUMN incarnation TEXT NOT NULL DEFAULT '';
                    UPDATE share_token SET incarnation = COALESCE((SELECT incarnation FROM circle WHERE circle.id = share_token.circle), '');
                    CREATE TABLE change (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        circle TEXT,
                        subject TEXT,
                        incarnation TEXT,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX change_at ON change (at);
                    """)
        }
    }
}
