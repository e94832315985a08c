import GRDB
import SluiceCore

extension SQLiteEventStore {
    /// "v5-clients": the run index (`run`, `run_invocation`), filled from the
    /// events already stored, and circles' display names. A trigger clears a
    /// deleted circle's runs, so a circle created later with the same id
    /// shares nothing with it.
    static func registerClients(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-clients") { db in
            try db.execute(
                sql: """
                    CREATE TABLE run (
                        circle TEXT NOT NULL,
                        id TEXT NOT NULL,
                        status TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        ended_at INTEGER,
                        last_seq INTEGER NOT NULL,
                        terminal_seq INTEGER,
                        PRIMARY KEY (circle, id)
                    ) WITHOUT ROWID;
                    CREATE TABLE run_invocation (
                        circle TEXT NOT NULL,
                        run_id TEXT NOT NULL,
                        invocation_id TEXT NOT NULL,
                        status TEXT NOT NULL,
                        started_seq INTEGER NOT NULL,
                        started_at INTEGER NOT NULL,
                        ended_at INTEGER,
                        PRIMARY KEY (circle, run_id, invocation_id)
                    ) WITHOUT ROWID;
                    CREATE TRIGGER run_circle_deleted AFTER DELETE ON circle BEGIN
                        DELETE FROM run WHERE circle = OLD.id;
                        DELETE FROM run_invocation WHERE circle = OLD.id;
                    END;
                    ALTER TABLE circle ADD COLUMN name TEXT;
                    """)
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM event WHERE run_id IS NOT NULL ORDER BY circle, seq")
            while let row = try rows.next() {
                guard let circle = CircleID(row["circle"]), let event = event(row, circle: circle) else { continue }
                try indexRuns([event], db: db)
            }
        }
    }
}
