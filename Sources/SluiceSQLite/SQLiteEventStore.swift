import Foundation
import GRDB
import SluiceCore
import SluiceStore

/// The SQLite engine: GRDB 7 on the system SQLite, WAL, `synchronous=FULL`
/// so an acknowledged event survives a crash, versioned migrations.
public final class SQLiteEventStore: EventStore {
    let pool: DatabasePool
    /// Runs the WAL checkpoints on a connection of its own, not inside a commit.
    let checkpointer: WALCheckpointer

    /// Opens (creating if needed) the database at `path` and migrates it.
    public convenience init(path: String) throws {
        try self.init(path: path, checkpointer: WALCheckpointer(path: path))
    }

    /// Opens the database with the given checkpointer (its thresholds set by a test).
    init(path: String, checkpointer: WALCheckpointer) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.checkpointer = checkpointer
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            if !db.configuration.readonly { checkpointer.install(on: db) }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteEventStore.migrator.migrate(pool)
    }

    // MARK: Circles

    public func createCircle(_ circle: CircleID, name: String?, at: Timestamp) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO circle (id, created_at, last_seq, trimmed_through, incarnation, name)
                    VALUES (?, ?, 0, 0, lower(hex(randomblob(16))), ?)
                    """,
                arguments: [circle.rawValue, at.milliseconds, name])
            guard db.changesCount == 1 else { return false }
            try SQLiteEventStore.appendChange(db, .circleCreated, circle: circle, subject: nil, at: at)
            return true
        }
    }

    public func circles() async throws -> [CircleRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, created_at, incarnation FROM circle ORDER BY id").compactMap { row in
                CircleID(row["id"]).map {
                    CircleRecord(id: $0, createdAt: Timestamp(milliseconds: row["created_at"]), incarnation: row["incarnation"])
                }
            }
        }
    }

    public func circleExists(_ circle: CircleID) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM circle WHERE id = ?", arguments: [circle.rawValue]) ?? false
        }
    }

    public func deleteCircle(_ circle: CircleID) async throws -> Bool {
        try await pool.write { db in
            guard let incarnation = try String.fetchOne(db, sql: "SELECT incarnation FROM circle WHERE id = ?", arguments: [circle.rawValue])
            else { return false }
            try SQLiteEventStore.appendChange(
                db, .circleDeleted, circle: circle, subject: nil, incarnation: incarnation, at: SQLiteEventStore.clockNow)
            for table in ["event", "invocation", "api_key", "share_token"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE circle = ?", arguments: [circle.rawValue])
            }
            try db.execute(sql: "DELETE FROM circle WHERE id = ?", arguments: [circle.rawValue])
            return db.changesCount == 1
        }
    }

    // MARK: API keys

    /// Inserts a key bound to its circle's current incarnation; 404 when the
    /// circle is gone.
    public func insertKey(_ key: APIKeyRecord) async throws {
        try await pool.write { db in
            let arguments: StatementArguments = [
                key.id, key.circle?.rawValue, key.name, key.scopes.map(\.rawValue).sorted().joined(separator: " "),
                key.subjects.description, key.face, key.secretDigest, key.createdAt.milliseconds,
                key.expiresAt?.milliseconds, key.revokedAt?.milliseconds, key.lastUsedAt?.milliseconds,
            ]
            let columns = "id, circle, name, scopes, subjects, face, secret_digest, created_at, expires_at, revoked_at, last_used_at, incarnation"
            if let circle = key.circle {
                try db.execute(
                    sql: "INSERT INTO api_key (\(columns)) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, incarnation FROM circle WHERE id = ?",
                    arguments: arguments + [circle.rawValue])
                guard db.changesCount == 1 else { throw SluiceError.notFound("no such circle") }
            } else {
                try db.execute(sql: "INSERT INTO api_key (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", arguments: arguments)
            }
            try SQLiteEventStore.appendChange(db, .keyCreated, circle: key.circle, subject: key.id, at: key.createdAt)
        }
    }

    public func key(id: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [id]).flatMap(SQLiteEventStore.keyRecord)
        }
    }

    public func keys(in circle: CircleID?) async throws -> [APIKeyRecord] {
        try await pool.read { db in
            let rows: [Row]
            if let circle {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM api_key WHERE circle = ? ORDER BY created_at, id", arguments: [circle.rawValue])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM api_key WHERE circle IS NULL ORDER BY created_at, id")
            }
            return rows.compactMap(SQLiteEventStore.keyRecord)
        }
    }

    public func activeKeys() async throws -> [APIKeyRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_key WHERE revoked_at IS NULL").compactMap(SQLiteEventStore.keyRecord)
        }
    }

    public func revokeKey(id: String, at: Timestamp) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [at.milliseconds, id])
            guard db.changesCount == 1 else { return false }
            try SQLiteEventStore.appendChange(db, .keyRevoked, circle: try SQLiteEventStore.keyCircle(db, id), subject: id, at: at)
            return true
        }
    }

    public func replaceKeySecret(id: String, digest: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE api_key SET secret_digest = ? WHERE id = ? AND revoked_at IS NULL", arguments: [digest, id])
            guard db.changesCount == 1 else { return false }
            try SQLiteEventStore.appendChange(
                db, .keyRotated, circle: try SQLiteEventStore.keyCircle(db, id), subject: id, at: SQLiteEventStore.clockNow)
            return true
        }
    }

    public func recordKeyUse(_ uses: [String: Timestamp]) async throws {
        guard !uses.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.makeStatement(sql: "UPDATE api_key SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?")
            for (id, at) in uses { try statement.execute(arguments: [at.milliseconds, id]) }
        }
    }

    static func keyCircle(_ db: Database, _ id: String) throws -> CircleID? {
        try String.fetchOne(db, sql: "SELECT circle FROM api_key WHERE id = ?", arguments: [id]).flatMap(CircleID.init)
    }

    static func keyRecord(_ row: Row) -> APIKeyRecord? {
        let scopeNames = (row["scopes"] as String).split(separator: " ").map(String.init)
        let scopes = Set(scopeNames.compactMap(Scope.init(rawValue:)))
        guard let subjects = try? PatternList(commaSeparated: row["subjects"], field: "subjects") else { return nil }
        let circleText: String? = row["circle"]
        return APIKeyRecord(
            id: row["id"], circle: circleText.flatMap(CircleID.init), name: row["name"], scopes: scopes, subjects: subjects,
            face: row["face"], secretDigest: row["secret_digest"], createdAt: Timestamp(milliseconds: row["created_at"]),
            expiresAt: (row["expires_at"] as Int64?).map(Timestamp.init(milliseconds:)),
            revokedAt: (row["revoked_at"] as Int64?).map(Timestamp.init(milliseconds:)),
            lastUsedAt: (row["last_used_at"] as Int64?).map(Timestamp.init(milliseconds:)), incarnation: row["incarnation"])
    }
}
