import Logging
import PostgresNIO
import SluiceCore
import SluiceStore

extension PostgresEventStore {
    // MARK: Wake-ups

    /// A NOTIFY payload stays under this (PostgreSQL stops at 8,000 bytes);
    /// past it the wake-up names every circle ("*").
    static let payloadLimit = 7000

    /// Sends the transaction's one wake-up (delivered at commit, dropped on
    /// rollback): `c` or `-` for whether changes were written, then the
    /// circles whose logs grew. Never event data.
    static func notify(_ connection: PostgresConnection, _ logger: Logger, circles: Set<CircleID>, changes: Bool) async throws {
        try await connection.rows("SELECT pg_notify(\(channel), \(WakeupPayload.encode(circles: circles, changes: changes)))", logger)
    }

    public func wakeups() -> AsyncStream<StoreWakeup> {
        wakeupHub.stream()
    }

    /// One `SELECT 1` that must answer within 2 s.
    public func checkAvailable() async throws {
        let logger = self.logger
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await self.read { connection in try await connection.rows("SELECT 1", logger).count } }
                group.addTask {
                    try await Task.sleep(for: .seconds(2))
                    throw SluiceError.unavailable("the database did not answer")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            throw PostgresEventStore.translate(error)
        }
    }

    // MARK: Leases

    public func acquireLease(_ name: String, holder: String, until: Timestamp, now: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await connection.count(
                """
                INSERT INTO lease (name, holder, expires_at) VALUES (\(name), \(holder), \(until.milliseconds))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE lease.holder = excluded.holder OR lease.expires_at <= \(now.milliseconds)
                RETURNING 1
                """, logger) == 1
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        let logger = self.logger
        try await write { connection in
            try await connection.rows("DELETE FROM lease WHERE name = \(name) AND holder = \(holder)", logger)
        }
    }

    // MARK: Connection slots

    /// Count-and-insert under an advisory lock on the credential, so two
    /// nodes taking the last slot at once cannot both get it.
    public func acquireSlot(credential: String, holder: String, maximum: Int, until: Timestamp, now: Timestamp) async throws -> Int64? {
        let logger = self.logger
        return try await write { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(hashtext(\(credential)))", logger)
            try await connection.rows(
                "DELETE FROM connection_slot WHERE credential = \(credential) AND expires_at <= \(now.milliseconds)", logger)
            let taken =
                try await connection.rows("SELECT COUNT(*) FROM connection_slot WHERE credential = \(credential)", logger)
                .first?.decode(Int.self) ?? 0
            guard taken < maximum else { return nil }
            return try await connection.rows(
                """
                INSERT INTO connection_slot (credential, holder, expires_at) VALUES (\(credential), \(holder), \(until.milliseconds))
                RETURNING id
                """, logger
            ).first?.decode(Int64.self)
        }
    }

    public func releaseSlot(id: Int64) async throws {
        let logger = self.logger
        try await write { connection in try await connection.rows("DELETE FROM connection_slot WHERE id = \(id)", logger) }
    }

    public func renewSlots(holder: String, until: Timestamp) async throws {
        let logger = self.logger
        try await write { connection in
            try await connection.rows("UPDATE connection_slot SET expires_at = \(until.milliseconds) WHERE holder = \(holder)", logger)
        }
    }
}
