import Logging
import PostgresNIO
import SluiceCore
import SluiceStore

extension PostgresEventStore {
    static let shareColumns =
        "jti, circle, element, purpose, subjects, origins, max_connections, created_at, expires_at, revoked_at, incarnation"

    /// Inserts a token bound to its circle's current incarnation; 404 when the circle is gone.
    public func insertShareToken(_ token: ShareTokenRecord) async throws {
        let logger = self.logger
        try await write { connection in
            try await PostgresEventStore.lockChanges(connection, logger)
            let inserted = try await connection.count(
                """
                INSERT INTO share_token (\(unescaped: PostgresEventStore.shareColumns))
                SELECT \(token.jti), \(token.circle.rawValue), \(token.element), \(token.purpose), \(token.subjects.description),
                    \(token.origins.joined(separator: " ")), \(token.maxConnections), \(token.createdAt.milliseconds),
                    \(token.expiresAt.milliseconds), \(token.revokedAt?.milliseconds), incarnation
                FROM circle WHERE id = \(token.circle.rawValue)
                RETURNING 1
                """, logger)
            guard inserted == 1 else { throw SluiceError.notFound("no such circle") }
            try await PostgresEventStore.appendChange(
                connection, logger, .shareCreated, circle: token.circle, subject: token.jti, at: token.createdAt)
        }
    }

    public func shareToken(jti: String) async throws -> ShareTokenRecord? {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("SELECT \(unescaped: PostgresEventStore.shareColumns) FROM share_token WHERE jti = \(jti)", logger)
                .first.flatMap(PostgresEventStore.shareRecord)
        }
    }

    public func shareTokens(in circle: CircleID, now: Timestamp) async throws -> [ShareTokenRecord] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows(
                """
                SELECT \(unescaped: PostgresEventStore.shareColumns) FROM share_token
                WHERE circle = \(circle.rawValue) AND revoked_at IS NULL AND expires_at > \(now.milliseconds) ORDER BY created_at, jti
                """, logger
            ).compactMap(PostgresEventStore.shareRecord)
        }
    }

    public func revokeShareToken(circle: CircleID, jti: String, at: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await PostgresEventStore.lockChanges(connection, logger)
            let revoked = try await connection.count(
                """
                UPDATE share_token SET revoked_at = \(at.milliseconds)
                WHERE circle = \(circle.rawValue) AND jti = \(jti) AND revoked_at IS NULL RETURNING 1
                """, logger)
            guard revoked == 1 else { return false }
            try await PostgresEventStore.appendChange(connection, logger, .shareRevoked, circle: circle, subject: jti, at: at)
            return true
        }
    }

    /// The first value stored under `name` wins, on every node.
    public func setting(_ name: String, default value: [UInt8]) async throws -> [UInt8] {
        let logger = self.logger
        return try await write { connection in
            try await connection.rows(
                "INSERT INTO setting (name, value) VALUES (\(name), \(ByteBuffer(bytes: value))) ON CONFLICT (name) DO NOTHING", logger)
            guard let row = try await connection.rows("SELECT value FROM setting WHERE name = \(name)", logger).first else { return value }
            let stored = try row.decode(ByteBuffer.self)
            return Array(stored.readableBytesView)
        }
    }

    static func shareRecord(_ row: PostgresRow) throws -> ShareTokenRecord? {
        let (jti, circleText, element, purpose, subjectText, originText, maximum, created, expires, revoked, incarnation) = try row.decode(
            (String, String, String, String, String, String, Int, Int64, Int64, Int64?, String).self)
        guard let circle = CircleID(circleText), let subjects = try? PatternList(commaSeparated: subjectText, field: "subjects") else {
            return nil
        }
        return ShareTokenRecord(
            jti: jti, circle: circle, element: element, purpose: purpose, subjects: subjects,
            origins: originText.split(separator: " ").map(String.init), maxConnections: maximum,
            createdAt: Timestamp(milliseconds: created), expiresAt: Timestamp(milliseconds: expires),
            revokedAt: revoked.map(Timestamp.init(milliseconds:)), incarnation: incarnation)
    }
}
