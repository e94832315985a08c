import GRDB
import SluiceCore
import SluiceStore

extension SQLiteEventStore {
    public func append(_ requests: [AppendRequest], at: Timestamp) async throws -> [AppendOutcome] {
        try await pool.write { db in
            var results: [AppendOutcome] = []
            results.reserveCapacity(requests.count)
            for request in requests {
                if let claim = request.idempotency, let earlier = try SQLiteEventStore.recordedAnswer(request.circle, claim, now: at, db: db) {
                    results.append(earlier)
                    continue
                }
                var outcome = AppendOutcome.refused(.internalError)
                try db.inSavepoint {
                    do {
                        let stored = try SQLiteEventStore.appendOne(request, at: at, db: db)
                        if let claim = request.idempotency {
                            try SQLiteEventStore.record(.created(ids: stored.map(\.sequence)), for: claim, circle: request.circle, at: at, db: db)
                        }
                        outcome = .committed(stored)
                        return .commit
                    } catch let error as SluiceError {
                        outcome = .refused(error)
                        return .rollback
                    }
                }
                // A batch the lifecycle contract refused is an answer of the log
                // too: recorded (outside the rolled-back savepoint, inside the
                // transaction), so a retry hears the same 409.
                if case .refused(let error) = outcome, let claim = request.idempotency, error.code == "lifecycle_violation" {
                    try SQLiteEventStore.record(.refused(error), for: claim, circle: request.circle, at: at, db: db)
                }
                results.append(outcome)
            }
            return results
        }
    }

    static func appendOne(_ request: AppendRequest, at: Timestamp, db: Database) throws -> [StoredEvent] {
        let circle = request.circle.rawValue
        // Every statement of a commit is prepared once per connection (`cachedStatement`):
        // compiling it again cost more than running it.
        let lastSequence = try db.cachedStatement(sql: "SELECT last_seq FROM circle WHERE id = ?")
        guard let last = try Int64.fetchOne(lastSequence, arguments: [circle]) else {
            throw SluiceError.notFound("no such circle")
        }
        let invocations = Set(request.events.compactMap(\.invocationID))
        var known: [String: InvocationPhase] = [:]
        for id in invocations {
            if let phase = try String.fetchOne(
                db.cachedStatement(sql: "SELECT phase FROM invocation WHERE circle = ? AND id = ?"), arguments: [circle, id])
            {
                known[id] = InvocationPhase(rawValue: phase)
            }
        }
        let phases = try Lifecycle.apply(request.events, known: known)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO event (circle, seq, subject, invocation_id, run_id, actor_type, actor_id, trace_id, cache, payload, ts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var stored: [StoredEvent] = []
        stored.reserveCapacity(request.events.count)
        var seq = last
        for input in request.events {
            seq += 1
            try insert.execute(arguments: [
                circle, seq, input.subject.rawValue, input.invocationID, input.runID, input.actor?.type.rawValue,
                input.actor?.id, input.traceID, input.cache.rawValue, input.payload.jsonText, at.milliseconds,
            ])
            stored.append(StoredEvent(sequence: seq, circle: request.circle, input: input, timestamp: at))
        }
        for (id, phase) in phases {
            try db.cachedStatement(
                sql: "INSERT INTO invocation (circle, id, phase) VALUES (?, ?, ?) ON CONFLICT (circle, id) DO UPDATE SET phase = excluded.phase"
            ).execute(arguments: [circle, id, phase.rawValue])
        }
        try db.cachedStatement(sql: "UPDATE circle SET last_seq = ? WHERE id = ?").execute(arguments: [seq, circle])
        try SQLiteEventStore.indexRuns(stored, db: db)
        return stored
    }

    public func events(in circle: CircleID, after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM event WHERE circle = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [circle.rawValue, after, limit]
            ).compactMap { SQLiteEventStore.event($0, circle: circle) }
        }
    }

    public func events(in circle: CircleID, run: String, after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM event WHERE circle = ? AND run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [circle.rawValue, run, after, limit]
            ).compactMap { SQLiteEventStore.event($0, circle: circle) }
        }
    }

    public func bounds(of circle: CircleID) async throws -> LogBounds {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT last_seq, trimmed_through FROM circle WHERE id = ?", arguments: [circle.rawValue])
            else { return LogBounds(latest: 0, trimmedThrough: 0) }
            return LogBounds(latest: row["last_seq"], trimmedThrough: row["trimmed_through"])
        }
    }

    /// Events deleted per write transaction by `trim`, so retention never
    /// holds the single writer (and with it ingest) for long.
    static let trimBatch: Int64 = 1000

    public func trim(_ circle: CircleID, maxEvents: Int?, olderThan: Timestamp?) async throws -> Int {
        let cut: Int64 = try await pool.read { db in
            var cut: Int64 = 0
            if let maxEvents, let last = try Int64.fetchOne(db, sql: "SELECT last_seq FROM circle WHERE id = ?", arguments: [circle.rawValue]) {
                cut = max(cut, last - Int64(maxEvents))
            }
            if let olderThan,
                let newestOld = try Int64.fetchOne(
                    db, sql: "SELECT MAX(seq) FROM event WHERE circle = ? AND ts < ?", arguments: [circle.rawValue, olderThan.milliseconds])
            {
                cut = max(cut, newestOld)
            }
            return cut
        }
        guard cut > 0 else { return 0 }
        var removed = 0
        while true {
            let (count, done) = try await pool.write { db -> (Int, Bool) in
                let lowest = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM event WHERE circle = ?", arguments: [circle.rawValue])
                let step = lowest.map { min(cut, $0 + SQLiteEventStore.trimBatch - 1) } ?? cut
                try db.execute(sql: "DELETE FROM event WHERE circle = ? AND seq <= ?", arguments: [circle.rawValue, step])
                let count = db.changesCount
                try db.execute(
                    sql: "UPDATE circle SET trimmed_through = MAX(trimmed_through, ?) WHERE id = ?", arguments: [step, circle.rawValue])
                return (count, step >= cut)
            }
            removed += count
            if done { return removed }
        }
    }

    static func event(_ row: Row, circle: CircleID) -> StoredEvent? {
        guard let subject = Subject(row["subject"]),
            let payload = try? JSONValue.parse(row["payload"] as String)
        else { return nil }
        var actor: EventActor?
        if let type: String = row["actor_type"], let kind = EventActor.Kind(rawValue: type) {
            actor = EventActor(type: kind, id: row["actor_id"])
        }
        let input = EventInput(
            subject: subject, payload: payload, invocationID: row["invocation_id"], runID: row["run_id"], actor: actor,
            traceID: row["trace_id"], cache: CacheMode(rawValue: row["cache"]) ?? .invalidate)
        return StoredEvent(sequence: row["seq"], circle: circle, input: input, timestamp: Timestamp(milliseconds: row["ts"]))
    }
}
