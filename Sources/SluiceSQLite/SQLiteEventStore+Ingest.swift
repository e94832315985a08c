import GRDB
import SluiceCore
import SluiceStore

extension SQLiteEventStore {
    // MARK: Idempotency keys

    /// The answer recorded for `claim` and still alive at `now`, read inside
    /// the caller's transaction; an expired record is removed so the key
    /// starts afresh.
    static func recordedAnswer(_ circle: CircleID, _ claim: IdempotencyClaim, now: Timestamp, db: Database) throws -> AppendOutcome? {
        let arguments: StatementArguments = [circle.rawValue, claim.credential, claim.key]
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM idempotency_key WHERE circle = ? AND credential = ? AND key = ?", arguments: arguments)
        else { return nil }
        guard (row["created_at"] as Int64) > now.milliseconds - IdempotencyClaim.lifetimeMilliseconds else {
            try db.execute(sql: "DELETE FROM idempotency_key WHERE circle = ? AND credential = ? AND key = ?", arguments: arguments)
            return nil
        }
        return answer(row, claim: claim)
    }

    static func answer(_ row: Row, claim: IdempotencyClaim) -> AppendOutcome {
        guard (row["body_digest"] as String) == claim.bodyDigest else { return .refused(.idempotencyMismatch()) }
        let status: Int = row["status"]
        if status == 201, let first: Int64 = row["first_seq"], let count: Int64 = row["event_count"], count >= 0 {
            return .replayed(.created(ids: (0..<count).map { first + $0 }))
        }
        let detail: String = row["error_detail"] ?? ""
        switch row["error_code"] as String? {
        case "lifecycle_violation"?: return .replayed(.refused(.lifecycleViolation(detail)))
        default: return .replayed(.refused(.conflict(detail)))
        }
    }

    /// Records `answer` for `claim` in the caller's transaction.
    static func record(_ answer: IdempotentAnswer, for claim: IdempotencyClaim, circle: CircleID, at: Timestamp, db: Database) throws {
        let (status, first, count, code, detail) = answer.columns
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO idempotency_key
                    (circle, credential, key, body_digest, status, first_seq, event_count, error_code, error_detail, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [circle.rawValue, claim.credential, claim.key, claim.bodyDigest, status, first, count, code, detail, at.milliseconds])
    }

    public func idempotentAnswer(circle: CircleID, claim: IdempotencyClaim, now: Timestamp) async throws -> AppendOutcome? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM idempotency_key WHERE circle = ? AND credential = ? AND key = ? AND created_at > ?",
                    arguments: [circle.rawValue, claim.credential, claim.key, now.milliseconds - IdempotencyClaim.lifetimeMilliseconds])
            else { return nil }
            return SQLiteEventStore.answer(row, claim: claim)
        }
    }

    public func expireIdempotencyKeys(before: Timestamp, limit: Int) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM idempotency_key WHERE (circle, credential, key) IN
                        (SELECT circle, credential, key FROM idempotency_key WHERE created_at < ? LIMIT ?)
                    """,
                arguments: [before.milliseconds, max(0, limit)])
            return db.changesCount
        }
    }

    // MARK: Fairness limits

    public func circleLimits() async throws -> [CircleID: CircleLimitsRecord] {
        try await pool.read { db in
            var limits: [CircleID: CircleLimitsRecord] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT circle, events_per_second, streams FROM circle_limit") {
                guard let circle = CircleID(row["circle"]) else { continue }
                limits[circle] = CircleLimitsRecord(eventsPerSecond: row["events_per_second"], streams: row["streams"])
            }
            return limits
        }
    }

    public func setCircleLimits(_ limits: CircleLimitsRecord, for circle: CircleID, at: Timestamp) async throws -> Bool {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM circle WHERE id = ?", arguments: [circle.rawValue]) ?? false else { return false }
            if limits == CircleLimitsRecord() {
                try db.execute(sql: "DELETE FROM circle_limit WHERE circle = ?", arguments: [circle.rawValue])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO circle_limit (circle, events_per_second, streams, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (circle) DO UPDATE SET
                            events_per_second = excluded.events_per_second, streams = excluded.streams, updated_at = excluded.updated_at
                        """,
                    arguments: [circle.rawValue, limits.eventsPerSecond, limits.streams, at.milliseconds])
            }
            return true
        }
    }
}
