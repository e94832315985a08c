import GRDB

extension SQLiteEventStore {
    /// Webhook subscriptions and their deliveries. What is pending lives here,
    /// never only in memory: a cursor per subscription over the event log, and
    /// one row per event to deliver. Both go with their circle (and a
    /// delivery with its subscription) by foreign key.
    static func registerWebhooks(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-webhooks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhook (
                        id TEXT PRIMARY KEY NOT NULL,
                        circle TEXT NOT NULL REFERENCES circle(id) ON DELETE CASCADE,
                        url TEXT NOT NULL,
                        subjects TEXT NOT NULL,
                        face TEXT NOT NULL,
                        description TEXT,
                        secret TEXT NOT NULL,
                        previous_secret TEXT,
                        previous_secret_until INTEGER,
                        enabled INTEGER NOT NULL,
                        disabled_reason TEXT,
                        cursor INTEGER NOT NULL,
                        failing_since INTEGER,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX webhook_circle ON webhook (circle);
                    CREATE TABLE webhook_delivery (
                        webhook TEXT NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        next_attempt_at INTEGER,
                        last_status INTEGER,
                        last_error TEXT,
                        last_attempt_at INTEGER,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (webhook, seq)
                    ) WITHOUT ROWID;
                    CREATE INDEX webhook_delivery_due ON webhook_delivery (webhook, status, next_attempt_at);
                    """)
        }
    }
}
