import Logging
import PostgresNIO
import SluiceCore
import SluiceStore

extension PostgresEventStore {
    // MARK: Circles

    public func createCircle(_ circle: CircleID, name: String?, at: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await PostgresEventStore.lockChanges(connection, logger)
            let inserted = try await connection.count(
                """
                INSERT INTO circle (id, created_at, last_seq, trimmed_through, incarnation, name)
                VALUES (\(circle.rawValue), \(at.milliseconds), 0, 0, replace(gen_random_uuid()::text, '-', ''), \(name))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger)
            guard inserted == 1 else { return false }
            try await PostgresEventStore.appendChange(connection, logger, .circleCreated, circle: circle, subject: nil, at: at)
            return true
        }
    }

    public func circles() async throws -> [CircleRecord] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("SELECT id, created_at, incarnation FROM circle ORDER BY id", logger).compactMap { row in
                let (id, created, incarnation) = try row.decode((String, Int64, String).self)
                return CircleID(id).map { CircleRecord(id: $0, createdAt: Timestamp(milliseconds: created), incarnation: incarnation) }
            }
        }
    }

    public func circleExists(_ circle: CircleID) async throws -> Bool {
        let logger = self.logger
        return try await read { connection in
            try await connection.count("SELECT 1 FROM circle WHERE id = \(circle.rawValue)", logger) == 1
        }
    }

    /// Deletes the circle and everything of it in one transaction; what
    /// references it by foreign key (idempotency keys, limits, webhooks and
    /// their deliveries) goes by cascade.
    public func deleteCircle(_ circle: CircleID) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await PostgresEventStore.lockChanges(connection, logger)
            let id = circle.rawValue
            guard
                let incarnation = try await connection.rows("SELECT incarnation FROM circle WHERE id = \(id) FOR UPDATE", logger).first?
                    .decode(String.self)
            else { return false }
            try await PostgresEventStore.appendChange(
                connection, logger, .circleDeleted, circle: circle, subject: nil, incarnation: incarnation, at: PostgresEventStore.clockNow)
            for table in ["event", "invocation", "api_key", "share_token", "run", "run_invocation"] {
                try await connection.rows(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE circle = $1", binds: try binds(id)), logger)
            }
            return try await connection.count("DELETE FROM circle WHERE id = \(id) RETURNING 1", logger) == 1
        }
    }

    // MARK: API keys

    /// Inserts a key bound to its circle's current incarnation; 404 when the circle is gone.
    public func insertKey(_ key: APIKeyRecord) async throws {
        let logger = self.logger
        try await write { connection in
            try await PostgresEventStore.lockChanges(connection, logger)
            let scopes = key.scopes.map(\.rawValue).sorted().joined(separator: " ")
            let inserted = try await connection.count(
                """
                INSERT INTO api_key (id, circle, name, scopes, subjects, face, secret_digest, created_at, expires_at, revoked_at,
                    last_used_at, incarnation)
                SELECT \(key.id), \(key.circle?.rawValue), \(key.name), \(scopes), \(key.subjects.description), \(key.face),
                    \(key.secretDigest), \(key.createdAt.milliseconds), \(key.expiresAt?.milliseconds), \(key.revokedAt?.milliseconds),
                    \(key.lastUsedAt?.milliseconds), (SELECT incarnation FROM circle WHERE id = \(key.circle?.rawValue))
                WHERE \(key.circle?.rawValue)::text IS NULL OR EXISTS (SELECT 1 FROM circle WHERE id = \(key.circle?.rawValue))
                RETURNING 1
                """, logger)
            guard inserted == 1 else { throw SluiceError.notFound("no such circle") }
            try await PostgresEventStore.appendChange(connection, logger, .keyCreated, circle: key.circle, subject: key.id, at: key.createdAt)
        }
    }

    public func key(id: String) async throws -> APIKeyRecord? {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("SELECT \(unescaped: PostgresEventStore.keyColumns) FROM api_key WHERE id = \(id)", logger).first.flatMap(
                PostgresEventStore.keyRecord)
        }
    }

    public func keys(in circle: CircleID?) async throws -> [APIKeyRecord] {
        let logger = self.logger
        return try await read { connection in
            let rows: [PostgresRow]
            if let circle {
                rows = try await connection.rows(
                    "SELECT \(unescaped: PostgresEventStore.keyColumns) FROM api_key WHERE circle = \(circle.rawValue) ORDER BY created_at, id",
                    logger)
            } else {
                rows = try await connection.rows(
                    "SELECT \(unescaped: PostgresEventStore.keyColumns) FROM api_key WHERE circle IS NULL ORDER BY created_at, id", logger)
            }
            return try rows.compactMap(PostgresEventStore.keyRecord)
        }
    }

    public func activeKeys() async throws -> [APIKeyRecord] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("SELECT \(unescaped: PostgresEventStore.keyColumns) FROM api_key WHERE revoked_at IS NULL", logger).compactMap(
                PostgresEventStore.keyRecord)
        }
    }

    public func revokeKey(id: String, at: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await PostgresEventStore.lockChanges(connection, logger)
            let rows = try await connection.rows(
                "UPDATE api_key SET revoked_at = \(at.milliseconds) WHERE id = \(id) AND revoked_at IS NULL RETURNING circle", logger)
            guard let row = rows.first else { return false }
            let circle = try row.decode(String?.self).flatMap(CircleID.init)
            try await PostgresEventStore.appendChange(connection, logger, .keyRevoked, circle: circle, subject: id, at: at)
            return true
        }
    }

    public func replaceKeySecret(id: String, digest: String) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await PostgresEventStore.lockChanges(connection, logger)
            let rows = try await connection.rows(
                "UPDATE api_key SET secret_digest = \(digest) WHERE id = \(id) AND revoked_at IS NULL RETURNING circle", logger)
            guard let row = rows.first else { return false }
            let circle = try row.decode(String?.self).flatMap(CircleID.init)
            try await PostgresEventStore.appendChange(connection, logger, .keyRotated, circle: circle, subject: id, at: PostgresEventStore.clockNow)
            return true
        }
    }

    public func recordKeyUse(_ uses: [String: Timestamp]) async throws {
        guard !uses.isEmpty else { return }
        let logger = self.logger
        let ids = Array(uses.keys)
        let times = ids.map { uses[$0]?.milliseconds ?? 0 }
        try await write { connection in
            try await connection.rows(
                """
                UPDATE api_key SET last_used_at = GREATEST(COALESCE(api_key.last_used_at, 0), use.at)
                FROM unnest(\(ids)::text[], \(times)::bigint[]) AS use (id, at) WHERE api_key.id = use.id
                """, logger)
        }
    }

    static let keyColumns =
        "id, circle, name, scopes, subjects, face, secret_digest, created_at, expires_at, revoked_at, last_used_at, incarnation"

    static func keyRecord(_ row: PostgresRow) throws -> APIKeyRecord? {
        let (id, circle, name, scopeText, subjectText, face, digest, created, expires, revoked, used, incarnation) = try row.decode(
            (String, String?, String?, String, String, String, String, Int64, Int64?, Int64?, Int64?, String?).self)
        let scopes = Set(scopeText.split(separator: " ").compactMap { Scope(rawValue: String($0)) })
        guard let subjects = try? PatternList(commaSeparated: subjectText, field: "subjects") else { return nil }
        return APIKeyRecord(
            id: id, circle: circle.flatMap(CircleID.init), name: name, scopes: scopes, subjects: subjects, face: face,
            secretDigest: digest, createdAt: Timestamp(milliseconds: created), expiresAt: expires.map(Timestamp.init(milliseconds:)),
            revokedAt: revoked.map(Timestamp.init(milliseconds:)), lastUsedAt: used.map(Timestamp.init(milliseconds:)),
            incarnation: incarnation)
    }
}

/// One text bind, for statements whose table name is spliced in.
func binds(_ value: String) throws -> PostgresBindings {
    var bindings = PostgresBindings()
    bindings.append(value)
    return bindings
}
