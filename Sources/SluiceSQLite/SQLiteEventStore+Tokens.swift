import Foundation
import GRDB
import SluiceCore
import SluiceStore

extension SQLiteEventStore {
    /// Inserts a token bound to its circle's current incarnation; 404 when
    /// the circle is gone.
    public func insertShareToken(_ token: ShareTokenRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO share_token (jti, circle, element, purpose, subjects, origins, max_connections, created_at, expires_at,
                        revoked_at, incarnation)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, incarnation FROM circle WHERE id = ?
                    """,
                arguments: [
                    token.jti, token.circle.rawValue, token.element, token.purpose, token.subjects.description,
                    token.origins.joined(separator: " "), token.maxConnections, token.createdAt.milliseconds,
                    token.expiresAt.milliseconds, token.revokedAt?.milliseconds, token.circle.rawValue,
                ])
            guard db.changesCount == 1 else { throw SluiceError.notFound("no such circle") }
            try SQLiteEventStore.appendChange(db, .shareCreated, circle: token.circle, subject: token.jti, at: token.createdAt)
        }
    }

    public func shareToken(jti: String) async throws -> ShareTokenRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM share_token WHERE jti = ?", arguments: [jti]).flatMap(SQLiteEventStore.shareRecord)
        }
    }

    public func shareTokens(in circle: CircleID, now: Timestamp) async throws -> [ShareTokenRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM share_token WHERE circle = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, jti",
                arguments: [circle.rawValue, now.milliseconds]
            ).compactMap(SQLiteEventStore.shareRecord)
        }
    }

    public func revokeShareToken(circle: CircleID, jti: String, at: Timestamp) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE share_token SET revoked_at = ? WHERE circle = ? AND jti = ? AND revoked_at IS NULL",
                arguments: [at.milliseconds, circle.rawValue, jti])
            guard db.changesCount == 1 else { return false }
            try SQLiteEventStore.appendChange(db, .shareRevoked, circle: circle, subject: jti, at: at)
            return true
        }
    }

    public func setting(_ name: String, default value: [UInt8]) async throws -> [UInt8] {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO setting (name, value) VALUES (?, ?)", arguments: [name, Data(value)])
            let stored = try Data.fetchOne(db, sql: "SELECT value FROM setting WHERE name = ?", arguments: [name])
            return stored.map { Array($0) } ?? value
        }
    }

    static func shareRecord(_ row: Row) -> ShareTokenRecord? {
        guard let circle = CircleID(row["circle"]),
            let subjects = try? PatternList(commaSeparated: row["subjects"], field: "subjects")
        else { return nil }
        let origins = (row["origins"] as String).split(separator: " ").map(String.init)
        return ShareTokenRecord(
            jti: row["jti"], circle: circle, element: row["element"], purpose: row["purpose"], subjects: subjects,
            origins: origins, maxConnections: row["max_connections"], createdAt: Timestamp(milliseconds: row["created_at"]),
            expiresAt: Timestamp(milliseconds: row["expires_at"]),
            revokedAt: (row["revoked_at"] as Int64?).map(Timestamp.init(milliseconds:)), incarnation: row["incarnation"])
    }
}
