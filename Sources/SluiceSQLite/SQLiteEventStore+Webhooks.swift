import GRDB
import SluiceCore
import SluiceStore

extension SQLiteEventStore {
    public func insertWebhook(_ webhook: WebhookRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhook (id, circle, url, subjects, face, description, secret, previous_secret, previous_secret_until,
                        enabled, disabled_reason, cursor, failing_since, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    webhook.id, webhook.circle.rawValue, webhook.url, webhook.subjects.description, webhook.face, webhook.description,
                    webhook.secret, webhook.previousSecret, webhook.previousSecretUntil?.milliseconds, webhook.enabled,
                    webhook.disabledReason, webhook.cursor, webhook.failingSince?.milliseconds, webhook.createdAt.milliseconds,
                ])
        }
    }

    public func webhook(id: String) async throws -> WebhookRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM webhook WHERE id = ?", arguments: [id]).flatMap(SQLiteEventStore.webhookRecord)
        }
    }

    public func webhooks(in circle: CircleID?) async throws -> [WebhookRecord] {
        try await pool.read { db in
            let rows: [Row]
            if let circle {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM webhook WHERE circle = ? ORDER BY created_at, id", arguments: [circle.rawValue])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM webhook ORDER BY created_at, id")
            }
            return rows.compactMap(SQLiteEventStore.webhookRecord)
        }
    }

    public func updateWebhook(_ webhook: WebhookRecord) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook SET url = ?, subjects = ?, face = ?, description = ?, secret = ?, previous_secret = ?,
                        previous_secret_until = ?, enabled = ?, disabled_reason = ?,
                        failing_since = CASE WHEN ? AND NOT enabled THEN NULL ELSE failing_since END
                    WHERE id = ?
                    """,
                arguments: [
                    webhook.url, webhook.subjects.description, webhook.face, webhook.description, webhook.secret, webhook.previousSecret,
                    webhook.previousSecretUntil?.milliseconds, webhook.enabled, webhook.disabledReason, webhook.enabled, webhook.id,
                ])
            return db.changesCount == 1
        }
    }

    public func disableWebhook(id: String, reason: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE webhook SET enabled = 0, disabled_reason = ? WHERE id = ? AND enabled", arguments: [reason, id])
            return db.changesCount == 1
        }
    }

    public func deleteWebhook(circle: CircleID, id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM webhook WHERE circle = ? AND id = ?", arguments: [circle.rawValue, id])
            return db.changesCount == 1
        }
    }

    public func recordScan(webhook: String, from: Int64, to: Int64, sequences: [Int64], at: Timestamp) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE webhook SET cursor = ? WHERE id = ? AND cursor = ?", arguments: [to, webhook, from])
            guard db.changesCount == 1 else { return false }
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO webhook_delivery (webhook, seq, status, attempts, next_attempt_at, created_at)
                    VALUES (?, ?, 'pending', 0, ?, ?)
                    ON CONFLICT (webhook, seq) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at,
                        last_status = NULL, last_error = NULL, last_attempt_at = NULL, created_at = excluded.created_at
                    """)
            for sequence in sequences {
                try insert.execute(arguments: [webhook, sequence, at.milliseconds, at.milliseconds])
            }
            return true
        }
    }

    public func rewindWebhook(id: String, to sequence: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE webhook SET cursor = MIN(cursor, ?) WHERE id = ?", arguments: [max(sequence, 0), id])
            return db.changesCount == 1
        }
    }

    public func dueDeliveries(webhook: String, now: Timestamp, limit: Int) async throws -> [DeliveryRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM webhook_delivery WHERE webhook = ? AND status = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, seq LIMIT ?
                    """,
                arguments: [webhook, now.milliseconds, limit]
            ).compactMap(SQLiteEventStore.deliveryRecord)
        }
    }

    public func recordAttempt(webhook: String, sequence: Int64, _ attempt: DeliveryAttempt) async throws -> Timestamp? {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_delivery SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ?,
                        last_attempt_at = ?
                    WHERE webhook = ? AND seq = ? AND status = 'pending'
                    """,
                arguments: [
                    attempt.status.rawValue, attempt.nextAttemptAt?.milliseconds, attempt.httpStatus, attempt.error,
                    attempt.at.milliseconds, webhook, sequence,
                ])
            guard db.changesCount == 1 else { throw SluiceError.notFound("no such pending delivery") }
            if attempt.status == .succeeded {
                try db.execute(sql: "UPDATE webhook SET failing_since = NULL WHERE id = ?", arguments: [webhook])
            } else if attempt.countsAsFailure {
                try db.execute(
                    sql: "UPDATE webhook SET failing_since = COALESCE(failing_since, ?) WHERE id = ?",
                    arguments: [attempt.at.milliseconds, webhook])
            }
            let since = try Int64.fetchOne(db, sql: "SELECT failing_since FROM webhook WHERE id = ?", arguments: [webhook])
            return since.map(Timestamp.init(milliseconds:))
        }
    }

    public func deliveries(webhook: String, status: DeliveryStatus?, limit: Int) async throws -> [DeliveryRecord] {
        try await pool.read { db in
            let rows: [Row]
            if let status {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM webhook_delivery WHERE webhook = ? AND status = ? ORDER BY seq DESC LIMIT ?",
                    arguments: [webhook, status.rawValue, limit])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM webhook_delivery WHERE webhook = ? ORDER BY seq DESC LIMIT ?", arguments: [webhook, limit])
            }
            return rows.compactMap(SQLiteEventStore.deliveryRecord)
        }
    }

    public func deliveryCounts(webhook: String) async throws -> DeliveryCounts {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(status = 'pending'), 0) AS pending, COALESCE(SUM(status = 'failed'), 0) AS failed
                    FROM webhook_delivery WHERE webhook = ?
                    """,
                arguments: [webhook])
            return DeliveryCounts(pending: row?["pending"] ?? 0, failed: row?["failed"] ?? 0)
        }
    }

    public func pendingDeliveriesByCircle() async throws -> [CircleID: Int] {
        try await pool.read { db in
            var counts: [CircleID: Int] = [:]
            for circle in try String.fetchAll(db, sql: "SELECT id FROM circle") {
                if let id = CircleID(circle) { counts[id] = 0 }
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT w.circle AS circle, COUNT(*) AS pending FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook
                    WHERE d.status = 'pending' GROUP BY w.circle
                    """)
            for row in rows {
                if let circle = CircleID(row["circle"]) { counts[circle] = row["pending"] }
            }
            return counts
        }
    }

    public func pruneDeliveries(in circle: CircleID, through: Int64) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM webhook_delivery WHERE seq <= ? AND status != 'pending'
                    AND webhook IN (SELECT id FROM webhook WHERE circle = ?)
                    """,
                arguments: [through, circle.rawValue])
            return db.changesCount
        }
    }

    public func sequence(in circle: CircleID, atOrBefore time: Timestamp) async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MAX(seq) FROM event WHERE circle = ? AND ts <= ?", arguments: [circle.rawValue, time.milliseconds]) ?? 0
        }
    }

    static func webhookRecord(_ row: Row) -> WebhookRecord? {
        guard let circle = CircleID(row["circle"]),
            let subjects = try? PatternList(commaSeparated: row["subjects"], field: "subjects")
        else { return nil }
        return WebhookRecord(
            id: row["id"], circle: circle, url: row["url"], subjects: subjects, face: row["face"], description: row["description"],
            secret: row["secret"], previousSecret: row["previous_secret"],
            previousSecretUntil: (row["previous_secret_until"] as Int64?).map(Timestamp.init(milliseconds:)), enabled: row["enabled"],
            disabledReason: row["disabled_reason"], cursor: row["cursor"],
            failingSince: (row["failing_since"] as Int64?).map(Timestamp.init(milliseconds:)),
            createdAt: Timestamp(milliseconds: row["created_at"]))
    }

    static func deliveryRecord(_ row: Row) -> DeliveryRecord? {
        guard let status = DeliveryStatus(rawValue: row["status"]) else { return nil }
        return DeliveryRecord(
            webhook: row["webhook"], sequence: row["seq"], status: status, attempts: row["attempts"],
            nextAttemptAt: (row["next_attempt_at"] as Int64?).map(Timestamp.init(milliseconds:)), lastStatus: row["last_status"],
            lastError: row["last_error"], lastAttemptAt: (row["last_attempt_at"] as Int64?).map(Timestamp.init(milliseconds:)),
            createdAt: Timestamp(milliseconds: row["created_at"]))
    }
}
