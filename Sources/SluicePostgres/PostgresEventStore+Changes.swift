import Foundation
import Logging
import PostgresNIO
import SluiceCore
import SluiceStore

extension PostgresEventStore {
    /// Takes the change counter's row for the rest of the transaction. Every
    /// transaction that writes a change takes it first, so change writers
    /// run one at a time and their ids commit in order: no reader sees an id
    /// after it has read a larger one.
    static func lockChanges(_ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.rows("SELECT last_id FROM change_counter FOR UPDATE", logger)
    }

    /// Writes one change inside the caller's transaction (which holds the
    /// counter), with its wake-up. The incarnation is the circle's current
    /// one unless given.
    static func appendChange(
        _ connection: PostgresConnection, _ logger: Logger, _ kind: Change.Kind, circle: CircleID?, subject: String?,
        incarnation: String? = nil, at: Timestamp
    ) async throws {
        let id = try await connection.rows("UPDATE change_counter SET last_id = last_id + 1 RETURNING last_id", logger)
        guard let next = try id.first?.decode(Int64.self) else { throw SluiceError.internalError }
        let circleText = circle?.rawValue
        try await connection.rows(
            """
            INSERT INTO change (id, kind, circle, subject, incarnation, at)
            VALUES (\(next), \(kind.rawValue), \(circleText), \(subject),
                COALESCE(\(incarnation), (SELECT incarnation FROM circle WHERE id = \(circleText))), \(at.milliseconds))
            """, logger)
        try await notify(connection, logger, circles: [], changes: true)
    }

    /// Now, for changes whose mutation carries no time of its own.
    static var clockNow: Timestamp { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }

    public func circleIncarnations() async throws -> [CircleID: String] {
        let logger = self.logger
        return try await read { connection in
            var result: [CircleID: String] = [:]
            for row in try await connection.rows("SELECT id, incarnation FROM circle", logger) {
                let (id, incarnation) = try row.decode((String, String).self)
                if let circle = CircleID(id) { result[circle] = incarnation }
            }
            return result
        }
    }

    public func changes(after id: Int64, limit: Int) async throws -> [Change] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows(
                "SELECT id, kind, circle, subject, incarnation, at FROM change WHERE id > \(id) ORDER BY id LIMIT \(max(0, limit))", logger
            ).map { row in
                let (id, kind, circle, subject, incarnation, at) = try row.decode((Int64, String, String?, String?, String?, Int64).self)
                return Change(
                    id: id, kind: Change.Kind(rawValue: kind), circle: circle.flatMap(CircleID.init), subject: subject,
                    incarnation: incarnation, at: Timestamp(milliseconds: at))
            }
        }
    }

    public func latestChangeID() async throws -> Int64 {
        let logger = self.logger
        return try await read { connection in
            // The counter keeps the highest id ever given, even after a trim.
            try await connection.rows("SELECT last_id FROM change_counter", logger).first?.decode(Int64.self) ?? 0
        }
    }

    public func recordChange(_ kind: Change.Kind, circle: CircleID?, subject: String?, at: Timestamp) async throws {
        let logger = self.logger
        try await write { connection in
            try await PostgresEventStore.lockChanges(connection, logger)
            try await PostgresEventStore.appendChange(connection, logger, kind, circle: circle, subject: subject, at: at)
        }
    }

    public func trimChanges(before: Timestamp) async throws -> Int {
        let logger = self.logger
        return try await write { connection in
            try await connection.count(
                "DELETE FROM change WHERE at < \(before.milliseconds) AND id < (SELECT MAX(id) FROM change) RETURNING 1", logger)
        }
    }
}
