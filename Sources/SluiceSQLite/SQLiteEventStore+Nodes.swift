import GRDB
import SluiceCore
import SluiceStore

extension SQLiteEventStore {
    /// One gateway per SQLite file: nothing else writes it.
    public var isShared: Bool { false }

    /// No other process commits here, so there is nothing to wake for: the
    /// one gateway publishes its own commits in process.
    public func wakeups() -> AsyncStream<StoreWakeup> {
        AsyncStream { $0.finish() }
    }

    public func checkAvailable() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func acquireLease(_ name: String, holder: String, until: Timestamp, now: Timestamp) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO lease (name, holder, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE lease.holder = excluded.holder OR lease.expires_at <= ?
                    """,
                arguments: [name, holder, until.milliseconds, now.milliseconds])
            return db.changesCount == 1
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM lease WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    public func acquireSlot(credential: String, holder: String, maximum: Int, until: Timestamp, now: Timestamp) async throws -> Int64? {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM connection_slot WHERE credential = ? AND expires_at <= ?", arguments: [credential, now.milliseconds])
            let taken = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM connection_slot WHERE credential = ?", arguments: [credential]) ?? 0
            guard taken < maximum else { return nil }
            try db.execute(
                sql: "INSERT INTO connection_slot (credential, holder, expires_at) VALUES (?, ?, ?)",
                arguments: [credential, holder, until.milliseconds])
            return db.lastInsertedRowID
        }
    }

    public func releaseSlot(id: Int64) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM connection_slot WHERE id = ?", arguments: [id]) }
    }

    public func renewSlots(holder: String, until: Timestamp) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE connection_slot SET expires_at = ? WHERE holder = ?", arguments: [until.milliseconds, holder])
        }
    }
}
