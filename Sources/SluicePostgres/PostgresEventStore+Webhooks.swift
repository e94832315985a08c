import Logging
import PostgresNIO
import SluiceCore
import SluiceStore

extension PostgresEventStore {
    static let webhookColumns = """
        id, circle, url, subjects, face, description, secret, previous_secret, previous_secret_until, enabled, disabled_reason, cursor,
        failing_since, created_at
        """
    static let deliveryColumns =
        "webhook, seq, status, attempts, next_attempt_at, last_status, last_error, last_attempt_at, created_at"

    public func insertWebhook(_ webhook: WebhookRecord) async throws {
        let logger = self.logger
        try await write { connection in
            try await connection.rows(
                """
                INSERT INTO webhook (\(unescaped: PostgresEventStore.webhookColumns))
                VALUES (\(webhook.id), \(webhook.circle.rawValue), \(webhook.url), \(webhook.subjects.description), \(webhook.face),
                    \(webhook.description), \(webhook.secret), \(webhook.previousSecret), \(webhook.previousSecretUntil?.milliseconds),
                    \(webhook.enabled), \(webhook.disabledReason), \(webhook.cursor), \(webhook.failingSince?.milliseconds),
                    \(webhook.createdAt.milliseconds))
                """, logger)
        }
    }

    public func webhook(id: String) async throws -> WebhookRecord? {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("SELECT \(unescaped: PostgresEventStore.webhookColumns) FROM webhook WHERE id = \(id)", logger).first
                .flatMap(PostgresEventStore.webhookRecord)
        }
    }

    public func webhooks(in circle: CircleID?) async throws -> [WebhookRecord] {
        let logger = self.logger
        return try await read { connection in
            let rows: [PostgresRow]
            if let circle {
                rows = try await connection.rows(
                    """
                    SELECT \(unescaped: PostgresEventStore.webhookColumns) FROM webhook WHERE circle = \(circle.rawValue)
                    ORDER BY created_at, id
                    """, logger)
            } else {
                rows = try await connection.rows(
                    "SELECT \(unescaped: PostgresEventStore.webhookColumns) FROM webhook ORDER BY created_at, id", logger)
            }
            return try rows.compactMap(PostgresEventStore.webhookRecord)
        }
    }

    public func updateWebhook(_ webhook: WebhookRecord) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await connection.count(
                """
                UPDATE webhook SET url = \(webhook.url), subjects = \(webhook.subjects.description), face = \(webhook.face),
                    description = \(webhook.description), secret = \(webhook.secret), previous_secret = \(webhook.previousSecret),
                    previous_secret_until = \(webhook.previousSecretUntil?.milliseconds), enabled = \(webhook.enabled),
                    disabled_reason = \(webhook.disabledReason),
                    failing_since = CASE WHEN \(webhook.enabled) AND NOT enabled THEN NULL ELSE failing_since END
                WHERE id = \(webhook.id) RETURNING 1
                """, logger) == 1
        }
    }

    public func disableWebhook(id: String, reason: String) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await connection.count(
                "UPDATE webhook SET enabled = FALSE, disabled_reason = \(reason) WHERE id = \(id) AND enabled RETURNING 1", logger) == 1
        }
    }

    public func deleteWebhook(circle: CircleID, id: String) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await connection.count("DELETE FROM webhook WHERE circle = \(circle.rawValue) AND id = \(id) RETURNING 1", logger) == 1
        }
    }

    public func recordScan(webhook: String, from: Int64, to: Int64, sequences: [Int64], at: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            guard
                try await connection.count(
                    "UPDATE webhook SET cursor = \(to) WHERE id = \(webhook) AND cursor = \(from) RETURNING 1", logger) == 1
            else { return false }
            guard !sequences.isEmpty else { return true }
            try await connection.rows(
                """
                INSERT INTO webhook_delivery (webhook, seq, status, attempts, next_attempt_at, created_at)
                SELECT \(webhook), seq, 'pending', 0, \(at.milliseconds), \(at.milliseconds) FROM unnest(\(sequences)::bigint[]) AS seq
                ON CONFLICT (webhook, seq) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at,
                    last_status = NULL, last_error = NULL, last_attempt_at = NULL, created_at = excluded.created_at
                """, logger)
            return true
        }
    }

    public func rewindWebhook(id: String, to sequence: Int64) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            try await connection.count(
                "UPDATE webhook SET cursor = LEAST(cursor, \(max(sequence, 0))) WHERE id = \(id) RETURNING 1", logger) == 1
        }
    }

    public func dueDeliveries(webhook: String, now: Timestamp, limit: Int) async throws -> [DeliveryRecord] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows(
                """
                SELECT \(unescaped: PostgresEventStore.deliveryColumns) FROM webhook_delivery
                WHERE webhook = \(webhook) AND status = 'pending' AND next_attempt_at <= \(now.milliseconds)
                ORDER BY next_attempt_at, seq LIMIT \(max(0, limit))
                """, logger
            ).compactMap(PostgresEventStore.deliveryRecord)
        }
    }

    public func recordAttempt(webhook: String, sequence: Int64, _ attempt: DeliveryAttempt) async throws -> Timestamp? {
        let logger = self.logger
        return try await write { connection in
            let updated = try await connection.count(
                """
                UPDATE webhook_delivery SET status = \(attempt.status.rawValue), attempts = attempts + 1,
                    next_attempt_at = \(attempt.nextAttemptAt?.milliseconds), last_status = \(attempt.httpStatus),
                    last_error = \(attempt.error), last_attempt_at = \(attempt.at.milliseconds)
                WHERE webhook = \(webhook) AND seq = \(sequence) AND status = 'pending' RETURNING 1
                """, logger)
            guard updated == 1 else { throw SluiceError.notFound("no such pending delivery") }
            if attempt.status == .succeeded {
                try await connection.rows("UPDATE webhook SET failing_since = NULL WHERE id = \(webhook)", logger)
            } else if attempt.countsAsFailure {
                try await connection.rows(
                    "UPDATE webhook SET failing_since = COALESCE(failing_since, \(attempt.at.milliseconds)) WHERE id = \(webhook)", logger)
            }
            let since = try await connection.rows("SELECT failing_since FROM webhook WHERE id = \(webhook)", logger).first?.decode(
                Int64?.self)
            return (since ?? nil).map(Timestamp.init(milliseconds:))
        }
    }

    public func deliveries(webhook: String, status: DeliveryStatus?, limit: Int) async throws -> [DeliveryRecord] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows(
                """
                SELECT \(unescaped: PostgresEventStore.deliveryColumns) FROM webhook_delivery
                WHERE webhook = \(webhook) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                ORDER BY seq DESC LIMIT \(max(0, limit))
                """, logger
            ).compactMap(PostgresEventStore.deliveryRecord)
        }
    }

    public func deliveryCounts(webhook: String) async throws -> DeliveryCounts {
        let logger = self.logger
        return try await read { connection in
            guard
                let row = try await connection.rows(
                    """
                    SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'failed')
                    FROM webhook_delivery WHERE webhook = \(webhook)
                    """, logger
                ).first
            else { return DeliveryCounts(pending: 0, failed: 0) }
            let (pending, failed) = try row.decode((Int, Int).self)
            return DeliveryCounts(pending: pending, failed: failed)
        }
    }

    public func pendingDeliveriesByCircle() async throws -> [CircleID: Int] {
        let logger = self.logger
        return try await read { connection in
            var counts: [CircleID: Int] = [:]
            let rows = try await connection.rows(
                """
                SELECT c.id, COUNT(d.seq) FROM circle c
                LEFT JOIN webhook w ON w.circle = c.id
                LEFT JOIN webhook_delivery d ON d.webhook = w.id AND d.status = 'pending'
                GROUP BY c.id
                """, logger)
            for row in rows {
                let (circle, pending) = try row.decode((String, Int).self)
                if let id = CircleID(circle) { counts[id] = pending }
            }
            return counts
        }
    }

    public func pruneDeliveries(in circle: CircleID, through: Int64) async throws -> Int {
        let logger = self.logger
        return try await write { connection in
            try await connection.count(
                """
                DELETE FROM webhook_delivery WHERE seq <= \(through) AND status != 'pending'
                AND webhook IN (SELECT id FROM webhook WHERE circle = \(circle.rawValue)) RETURNING 1
                """, logger)
        }
    }

    public func sequence(in circle: CircleID, atOrBefore time: Timestamp) async throws -> Int64 {
        let logger = self.logger
        return try await read { connection in
            let newest = try await connection.rows(
                "SELECT MAX(seq) FROM event WHERE circle = \(circle.rawValue) AND ts <= \(time.milliseconds)", logger
            ).first?.decode(Int64?.self)
            return (newest ?? nil) ?? 0
        }
    }

    static func webhookRecord(_ row: PostgresRow) throws -> WebhookRecord? {
        let (id, circleText, url, subjectText, face, description, secret, previous, previousUntil, enabled, reason, cursor, failing, created) =
            try row.decode(
                (String, String, String, String, String, String?, String, String?, Int64?, Bool, String?, Int64, Int64?, Int64).self)
        guard let circle = CircleID(circleText), let subjects = try? PatternList(commaSeparated: subjectText, field: "subjects") else {
            return nil
        }
        return WebhookRecord(
            id: id, circle: circle, url: url, subjects: subjects, face: face, description: description, secret: secret,
            previousSecret: previous, previousSecretUntil: previousUntil.map(Timestamp.init(milliseconds:)), enabled: enabled,
            disabledReason: reason, cursor: cursor, failingSince: failing.map(Timestamp.init(milliseconds:)),
            createdAt: Timestamp(milliseconds: created))
    }

    static func deliveryRecord(_ row: PostgresRow) throws -> DeliveryRecord? {
        let (webhook, seq, statusText, attempts, next, lastStatus, lastError, lastAttempt, created) = try row.decode(
            (String, Int64, String, Int, Int64?, Int?, String?, Int64?, Int64).self)
        guard let status = DeliveryStatus(rawValue: statusText) else { return nil }
        return DeliveryRecord(
            webhook: webhook, sequence: seq, status: status, attempts: attempts, nextAttemptAt: next.map(Timestamp.init(milliseconds:)),
            lastStatus: lastStatus, lastError: lastError, lastAttemptAt: lastAttempt.map(Timestamp.init(milliseconds:)),
            createdAt: Timestamp(milliseconds: created))
    }
}
