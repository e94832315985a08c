import Foundation
import GRDB
import SluiceCore
import SluiceStore

extension SQLiteEventStore {
    /// Writes one change inside the caller's transaction, so the change and
    /// what it describes commit together. The incarnation is the circle's
    /// current one unless given.
    static func appendChange(
        _ db: Database, _ kind: Change.Kind, circle: CircleID?, subject: String?, incarnation: String? = nil, at: Timestamp
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO change (kind, circle, subject, incarnation, at)
                VALUES (?, ?, ?, COALESCE(?, (SELECT incarnation FROM circle WHERE id = ?)), ?)
                """,
            arguments: [kind.rawValue, circle?.rawValue, subject, incarnation, circle?.rawValue, at.milliseconds])
    }

    /// Now, for changes whose mutation carries no time of its own.
    static var clockNow: Timestamp { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }

    public func circleIncarnations() async throws -> [CircleID: String] {
        try await pool.read { db in
            var result: [CircleID: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, incarnation FROM circle") {
                if let circle = CircleID(row["id"]) { result[circle] = row["incarnation"] }
            }
            return result
        }
    }

    public func changes(after id: Int64, limit: Int) async throws -> [Change] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, kind, circle, subject, incarnation, at FROM change WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [id, limit]
            ).map { row in
                let circle: String? = row["circle"]
                return Change(
                    id: row["id"], kind: Change.Kind(rawValue: row["kind"]), circle: circle.flatMap(CircleID.init),
                    subject: row["subject"], incarnation: row["incarnation"], at: Timestamp(milliseconds: row["at"]))
            }
        }
    }

    public func latestChangeID() async throws -> Int64 {
        try await pool.read { db in
            // sqlite_sequence keeps the highest id ever given, even after a trim.
            let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'change'")
            let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM change")
            return max(sequence ?? 0, newest ?? 0)
        }
    }

    public func recordChange(_ kind: Change.Kind, circle: CircleID?, subject: String?, at: Timestamp) async throws {
        try await pool.write { db in try SQLiteEventStore.appendChange(db, kind, circle: circle, subject: subject, at: at) }
    }

    public func trimChanges(before: Timestamp) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM change WHERE at < ? AND id < (SELECT MAX(id) FROM change)", arguments: [before.milliseconds])
            return db.changesCount
        }
    }
}
