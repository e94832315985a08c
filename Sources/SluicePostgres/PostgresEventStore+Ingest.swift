import Logging
import PostgresNIO
import SluiceCore
import SluiceStore

extension PostgresEventStore {
    // MARK: Idempotency keys

    static let idempotencyColumns = "body_digest, status, first_seq, event_count, error_code, error_detail, created_at"

    /// The answer recorded for `claim` and still alive at `now`, read inside
    /// the caller's transaction (which holds the circle's row, so a retry on
    /// another node waits for the first commit and then sees its answer); an
    /// expired record is removed so the key starts afresh.
    static func recordedAnswer(
        _ circle: CircleID, _ claim: IdempotencyClaim, now: Timestamp, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> AppendOutcome? {
        guard
            let row = try await connection.rows(
                """
                SELECT \(unescaped: idempotencyColumns) FROM idempotency_key
                WHERE circle = \(circle.rawValue) AND credential = \(claim.credential) AND key = \(claim.key)
                """, logger
            ).first
        else { return nil }
        let (answer, created) = try PostgresEventStore.answer(row, claim: claim)
        guard created > now.milliseconds - IdempotencyClaim.lifetimeMilliseconds else {
            try await connection.rows(
                """
                DELETE FROM idempotency_key WHERE circle = \(circle.rawValue) AND credential = \(claim.credential) AND key = \(claim.key)
                """, logger)
            return nil
        }
        return answer
    }

    static func answer(_ row: PostgresRow, claim: IdempotencyClaim) throws -> (AppendOutcome, Int64) {
        let (digest, status, first, count, code, detail, created) = try row.decode(
            (String, Int, Int64?, Int64?, String?, String?, Int64).self)
        guard digest == claim.bodyDigest else { return (.refused(.idempotencyMismatch()), created) }
        if status == 201, let first, let count, count >= 0 {
            return (.replayed(.created(ids: (0..<count).map { first + $0 })), created)
        }
        switch code {
        case "lifecycle_violation"?: return (.replayed(.refused(.lifecycleViolation(detail ?? ""))), created)
        default: return (.replayed(.refused(.conflict(detail ?? ""))), created)
        }
    }

    /// Records `answer` for `claim` in the caller's transaction.
    static func record(
        _ answer: IdempotentAnswer, for claim: IdempotencyClaim, circle: CircleID, at: Timestamp, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let (status, first, count, code, detail) = answer.columns
        try await connection.rows(
            """
            INSERT INTO idempotency_key (circle, credential, key, body_digest, status, first_seq, event_count, error_code, error_detail,
                created_at)
            VALUES (\(circle.rawValue), \(claim.credential), \(claim.key), \(claim.bodyDigest), \(status), \(first), \(count), \(code),
                \(detail), \(at.milliseconds))
            ON CONFLICT (circle, credential, key) DO UPDATE SET body_digest = excluded.body_digest, status = excluded.status,
                first_seq = excluded.first_seq, event_count = excluded.event_count, error_code = excluded.error_code,
                error_detail = excluded.error_detail, created_at = excluded.created_at
            """, logger)
    }

    public func idempotentAnswer(circle: CircleID, claim: IdempotencyClaim, now: Timestamp) async throws -> AppendOutcome? {
        let logger = self.logger
        return try await read { connection in
            guard
                let row = try await connection.rows(
                    """
                    SELECT \(unescaped: PostgresEventStore.idempotencyColumns) FROM idempotency_key
                    WHERE circle = \(circle.rawValue) AND credential = \(claim.credential) AND key = \(claim.key)
                        AND created_at > \(now.milliseconds - IdempotencyClaim.lifetimeMilliseconds)
                    """, logger
                ).first
            else { return nil }
            return try PostgresEventStore.answer(row, claim: claim).0
        }
    }

    public func expireIdempotencyKeys(before: Timestamp, limit: Int) async throws -> Int {
        let logger = self.logger
        return try await write { connection in
            try await connection.count(
                """
                DELETE FROM idempotency_key WHERE (circle, credential, key) IN
                    (SELECT circle, credential, key FROM idempotency_key WHERE created_at < \(before.milliseconds) LIMIT \(max(0, limit)))
                RETURNING 1
                """, logger)
        }
    }

    // MARK: Fairness limits

    public func circleLimits() async throws -> [CircleID: CircleLimitsRecord] {
        let logger = self.logger
        return try await read { connection in
            var limits: [CircleID: CircleLimitsRecord] = [:]
            for row in try await connection.rows("SELECT circle, events_per_second, streams FROM circle_limit", logger) {
                let (circle, rate, streams) = try row.decode((String, Int?, Int?).self)
                guard let id = CircleID(circle) else { continue }
                limits[id] = CircleLimitsRecord(eventsPerSecond: rate, streams: streams)
            }
            return limits
        }
    }

    public func setCircleLimits(_ limits: CircleLimitsRecord, for circle: CircleID, at: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await write { connection in
            guard try await connection.count("SELECT 1 FROM circle WHERE id = \(circle.rawValue) FOR SHARE", logger) == 1 else { return false }
            if limits == CircleLimitsRecord() {
                try await connection.rows("DELETE FROM circle_limit WHERE circle = \(circle.rawValue)", logger)
            } else {
                try await connection.rows(
                    """
                    INSERT INTO circle_limit (circle, events_per_second, streams, updated_at)
                    VALUES (\(circle.rawValue), \(limits.eventsPerSecond), \(limits.streams), \(at.milliseconds))
                    ON CONFLICT (circle) DO UPDATE SET
                        events_per_second = excluded.events_per_second, streams = excluded.streams, updated_at = excluded.updated_at
                    """, logger)
            }
            return true
        }
    }
}
