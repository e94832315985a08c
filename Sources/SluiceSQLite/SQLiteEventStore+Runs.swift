import GRDB
import SluiceCore
import SluiceStore

extension SQLiteEventStore {
    /// Keeps the run index current for events just appended, inside the
    /// append's own transaction: a committed event and its run state are one
    /// write. Called once per appended request, after its events are inserted.
    static func indexRuns(_ events: [StoredEvent], db: Database) throws {
        for event in events {
            guard let run = event.input.runID else { continue }
            let circle = event.circle.rawValue
            let at = event.timestamp.milliseconds
            try db.execute(
                sql: """
                    INSERT INTO run (circle, id, status, started_at, ended_at, last_seq, terminal_seq)
                    VALUES (?, ?, 'running', ?, NULL, ?, NULL)
                    ON CONFLICT (circle, id) DO UPDATE SET last_seq = excluded.last_seq
                    """,
                arguments: [circle, run, at, event.sequence])
            guard let invocation = event.input.invocationID else { continue }
            let status = RunRecord.Status(kind: event.input.kind)
            let ended: Int64? = status == .running ? nil : at
            try db.execute(
                sql: """
                    INSERT INTO run_invocation (circle, run_id, invocation_id, status, started_seq, started_at, ended_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (circle, run_id, invocation_id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at
                    """,
                arguments: [circle, run, invocation, status.rawValue, event.sequence, at, ended])
            if invocation == run, status != .running {
                try db.execute(
                    sql: "UPDATE run SET status = ?, ended_at = ?, terminal_seq = ? WHERE circle = ? AND id = ?",
                    arguments: [status.rawValue, at, event.sequence, circle, run])
            }
        }
    }

    public func run(in circle: CircleID, id: String) async throws -> RunRecord? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE circle = ? AND id = ?", arguments: [circle.rawValue, id])
            else { return nil }
            let invocations = try Row.fetchAll(
                db, sql: "SELECT * FROM run_invocation WHERE circle = ? AND run_id = ? ORDER BY started_seq",
                arguments: [circle.rawValue, id]
            ).map { row in
                RunRecord.Invocation(
                    id: row["invocation_id"], status: RunRecord.Status(rawValue: row["status"]) ?? .running,
                    startedAt: Timestamp(milliseconds: row["started_at"]),
                    endedAt: (row["ended_at"] as Int64?).map(Timestamp.init(milliseconds:)))
            }
            var terminal: StoredEvent?
            if let seq: Int64 = row["terminal_seq"],
                let event = try Row.fetchOne(
                    db, sql: "SELECT * FROM event WHERE circle = ? AND seq = ?", arguments: [circle.rawValue, seq])
            {
                terminal = SQLiteEventStore.event(event, circle: circle)
            }
            return RunRecord(
                circle: circle, id: id, status: RunRecord.Status(rawValue: row["status"]) ?? .running,
                startedAt: Timestamp(milliseconds: row["started_at"]),
                endedAt: (row["ended_at"] as Int64?).map(Timestamp.init(milliseconds:)), lastSequence: row["last_seq"],
                invocations: invocations, terminal: terminal)
        }
    }

    public func namedCircle(_ circle: CircleID) async throws -> NamedCircle? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, created_at FROM circle WHERE id = ?", arguments: [circle.rawValue]).map { row in
                NamedCircle(id: circle, name: row["name"], createdAt: Timestamp(milliseconds: row["created_at"]))
            }
        }
    }

    public func circleNames() async throws -> [CircleID: String] {
        try await pool.read { db in
            var names: [CircleID: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM circle WHERE name IS NOT NULL") {
                if let id = CircleID(row["id"]) { names[id] = row["name"] }
            }
            return names
        }
    }
}
