import Logging
import PostgresNIO
import SluiceCore
import SluiceStore

extension PostgresEventStore {
    /// Group commit, as on SQLite: one transaction for the batch, each
    /// request all-or-nothing, idempotency answers recorded in the same
    /// transaction. The circles' counter rows are locked first, in id order,
    /// and read with their last sequence: sequences are gap-free and in
    /// commit order across nodes, and two batches never deadlock. One
    /// wake-up for the commit.
    ///
    /// All-or-nothing without a savepoint per request: every refusal is
    /// decided by `prepare`, which reads and never writes, and `write` only
    /// writes, so a refused request has written nothing; a database error
    /// fails the whole transaction. A request then costs the round trips of
    /// its own rows (one insert, plus its runs and invocations), and each
    /// circle's counter row is written once, at the end.
    public func append(_ requests: [AppendRequest], at: Timestamp) async throws -> [AppendOutcome] {
        guard !requests.isEmpty else { return [] }
        let logger = self.logger
        return try await write { connection in
            let circles = Set(requests.map(\.circle.rawValue)).sorted()
            var last: [String: Int64] = [:]
            for row in try await connection.rows(
                "SELECT id, last_seq FROM circle WHERE id = ANY(\(circles)) ORDER BY id FOR UPDATE", logger)
            {
                let (id, seq) = try row.decode((String, Int64).self)
                last[id] = seq
            }
            var results: [AppendOutcome] = []
            results.reserveCapacity(requests.count)
            var grown: Set<CircleID> = []
            for request in requests {
                if let claim = request.idempotency,
                    let earlier = try await PostgresEventStore.recordedAnswer(request.circle, claim, now: at, connection, logger)
                {
                    results.append(earlier)
                    continue
                }
                let outcome: AppendOutcome
                do {
                    let prepared = try await PostgresEventStore.prepare(request, after: last[request.circle.rawValue], at: at, connection, logger)
                    try await PostgresEventStore.write(prepared, circle: request.circle, at: at, connection, logger)
                    if let claim = request.idempotency {
                        try await PostgresEventStore.record(
                            .created(ids: prepared.stored.map(\.sequence)), for: claim, circle: request.circle, at: at, connection, logger)
                    }
                    if let newest = prepared.stored.last?.sequence {
                        last[request.circle.rawValue] = newest
                        grown.insert(request.circle)
                    }
                    outcome = .committed(prepared.stored)
                } catch let error as SluiceError {
                    // A lifecycle refusal is an answer of the log too: recorded,
                    // so a retry hears the same 409.
                    if let claim = request.idempotency, error.code == "lifecycle_violation" {
                        try await PostgresEventStore.record(.refused(error), for: claim, circle: request.circle, at: at, connection, logger)
                    }
                    outcome = .refused(error)
                }
                results.append(outcome)
            }
            for circle in grown.map(\.rawValue).sorted() {
                guard let seq = last[circle] else { continue }
                try await connection.rows("UPDATE circle SET last_seq = \(seq) WHERE id = \(circle)", logger)
            }
            if !grown.isEmpty { try await PostgresEventStore.notify(connection, logger, circles: grown, changes: false) }
            return results
        }
    }

    /// Events inserted per statement (11 parameters each, far below the protocol's 65,535).
    static let insertChunk = 1000

    /// A request checked against the log and numbered, not yet written.
    struct PreparedAppend {
        var stored: [StoredEvent]
        var phases: [(String, InvocationPhase)]
    }

    /// Reads what `request` depends on and decides it: the circle (404 when
    /// it does not exist), its invocations' phases (409 on a lifecycle
    /// violation), and the numbers its events take after `after`. Writes
    /// nothing, so a refusal leaves the transaction as it was.
    static func prepare(
        _ request: AppendRequest, after last: Int64?, at: Timestamp, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> PreparedAppend {
        let circle = request.circle.rawValue
        guard let last else { throw SluiceError.notFound("no such circle") }
        let invocations = Array(Set(request.events.compactMap(\.invocationID)))
        var known: [String: InvocationPhase] = [:]
        if !invocations.isEmpty {
            let rows = try await connection.rows(
                "SELECT id, phase FROM invocation WHERE circle = \(circle) AND id = ANY(\(invocations))", logger)
            for row in rows {
                let (id, phase) = try row.decode((String, String).self)
                known[id] = InvocationPhase(rawValue: phase)
            }
        }
        let phases = try Lifecycle.apply(request.events, known: known)
        var stored: [StoredEvent] = []
        stored.reserveCapacity(request.events.count)
        var seq = last
        for input in request.events {
            seq += 1
            stored.append(StoredEvent(sequence: seq, circle: request.circle, input: input, timestamp: at))
        }
        return PreparedAppend(stored: stored, phases: phases.map { ($0.key, $0.value) })
    }

    /// Writes a prepared request's rows: its events, its invocations'
    /// phases and its runs. Throws only what the database throws.
    static func write(
        _ prepared: PreparedAppend, circle id: CircleID, at: Timestamp, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        let circle = id.rawValue
        var start = 0
        while start < prepared.stored.count {
            let chunk = prepared.stored[start..<min(start + insertChunk, prepared.stored.count)]
            try await connection.rows(insertStatement(chunk, circle: circle, at: at), logger)
            start += chunk.count
        }
        for (id, phase) in prepared.phases {
            try await connection.rows(
                """
                INSERT INTO invocation (circle, id, phase) VALUES (\(circle), \(id), \(phase.rawValue))
                ON CONFLICT (circle, id) DO UPDATE SET phase = excluded.phase
                """, logger)
        }
        try await indexRuns(prepared.stored, connection, logger)
    }

    /// One multi-row INSERT for a chunk of events.
    static func insertStatement(_ events: ArraySlice<StoredEvent>, circle: String, at: Timestamp) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: events.count * 11)
        var rows: [String] = []
        rows.reserveCapacity(events.count)
        for event in events {
            let base = bindings.count
            let input = event.input
            bindings.append(circle)
            bindings.append(event.sequence)
            bindings.append(input.subject.rawValue)
            bindings.append(input.invocationID)
            bindings.append(input.runID)
            bindings.append(input.actor?.type.rawValue)
            bindings.append(input.actor?.id)
            bindings.append(input.traceID)
            bindings.append(input.cache.rawValue)
            bindings.append(input.payload.jsonText)
            bindings.append(at.milliseconds)
            rows.append("(" + (1...11).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO event (circle, seq, subject, invocation_id, run_id, actor_type, actor_id, trace_id, cache, payload, ts)
                VALUES \(rows.joined(separator: ", "))
                """, binds: bindings)
    }

    public func events(in circle: CircleID, after: Int64, limit: Int) async throws -> [StoredEvent] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows(
                """
                SELECT \(unescaped: PostgresEventStore.eventColumns) FROM event WHERE circle = \(circle.rawValue) AND seq > \(after)
                ORDER BY seq LIMIT \(max(0, limit))
                """, logger
            ).compactMap { try PostgresEventStore.event($0, circle: circle) }
        }
    }

    public func events(in circle: CircleID, run: String, after: Int64, limit: Int) async throws -> [StoredEvent] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows(
                """
                SELECT \(unescaped: PostgresEventStore.eventColumns) FROM event
                WHERE circle = \(circle.rawValue) AND run_id = \(run) AND seq > \(after) ORDER BY seq LIMIT \(max(0, limit))
                """, logger
            ).compactMap { try PostgresEventStore.event($0, circle: circle) }
        }
    }

    public func bounds(of circle: CircleID) async throws -> LogBounds {
        let logger = self.logger
        return try await read { connection in
            guard let row = try await connection.rows("SELECT last_seq, trimmed_through FROM circle WHERE id = \(circle.rawValue)", logger).first
            else { return LogBounds(latest: 0, trimmedThrough: 0) }
            let (latest, trimmed) = try row.decode((Int64, Int64).self)
            return LogBounds(latest: latest, trimmedThrough: trimmed)
        }
    }

    /// Events deleted per transaction by `trim`, so retention never holds
    /// a circle's row (and with it ingest) for long.
    static let trimBatch: Int64 = 1000

    public func trim(_ circle: CircleID, maxEvents: Int?, olderThan: Timestamp?) async throws -> Int {
        let logger = self.logger
        let id = circle.rawValue
        let cut: Int64 = try await read { connection in
            var cut: Int64 = 0
            if let maxEvents, let last = try await connection.rows("SELECT last_seq FROM circle WHERE id = \(id)", logger).first?.decode(Int64.self) {
                cut = max(cut, last - Int64(maxEvents))
            }
            if let olderThan,
                let newestOld = try await connection.rows(
                    "SELECT MAX(seq) FROM event WHERE circle = \(id) AND ts < \(olderThan.milliseconds)", logger
                ).first?.decode(Int64?.self) ?? nil
            {
                cut = max(cut, newestOld)
            }
            return cut
        }
        guard cut > 0 else { return 0 }
        var removed = 0
        while true {
            let (count, done) = try await write { connection -> (Int, Bool) in
                let lowest: Int64? =
                    try await connection.rows("SELECT MIN(seq) FROM event WHERE circle = \(id)", logger).first?.decode(Int64?.self) ?? nil
                let step = lowest.map { min(cut, $0 + PostgresEventStore.trimBatch - 1) } ?? cut
                let count = try await connection.count("DELETE FROM event WHERE circle = \(id) AND seq <= \(step) RETURNING 1", logger)
                try await connection.rows(
                    "UPDATE circle SET trimmed_through = GREATEST(trimmed_through, \(step)) WHERE id = \(id)", logger)
                return (count, step >= cut)
            }
            removed += count
            if done { return removed }
        }
    }

    static let eventColumns = "seq, subject, invocation_id, run_id, actor_type, actor_id, trace_id, cache, payload, ts"

    static func event(_ row: PostgresRow, circle: CircleID) throws -> StoredEvent? {
        let (seq, subjectText, invocation, run, actorType, actorID, trace, cache, payloadText, ts) = try row.decode(
            (Int64, String, String?, String?, String?, String?, String?, String, String, Int64).self)
        guard let subject = Subject(subjectText), let payload = try? JSONValue.parse(payloadText) else { return nil }
        var actor: EventActor?
        if let actorType, let kind = EventActor.Kind(rawValue: actorType) { actor = EventActor(type: kind, id: actorID) }
        let input = EventInput(
            subject: subject, payload: payload, invocationID: invocation, runID: run, actor: actor, traceID: trace,
            cache: CacheMode(rawValue: cache) ?? .invalidate)
        return StoredEvent(sequence: seq, circle: circle, input: input, timestamp: Timestamp(milliseconds: ts))
    }
}
