import Logging
import PostgresNIO
import SluiceCore
import SluiceStore

extension PostgresEventStore {
    /// Keeps the run index current for events just appended, inside the
    /// append's own transaction: a committed event and its run state are one write.
    static func indexRuns(_ events: [StoredEvent], _ connection: PostgresConnection, _ logger: Logger) async throws {
        for event in events {
            guard let run = event.input.runID else { continue }
            let circle = event.circle.rawValue
            let at = event.timestamp.milliseconds
            try await connection.rows(
                """
                INSERT INTO run (circle, id, status, started_at, ended_at, last_seq, terminal_seq)
                VALUES (\(circle), \(run), 'running', \(at), NULL, \(event.sequence), NULL)
                ON CONFLICT (circle, id) DO UPDATE SET last_seq = excluded.last_seq
                """, logger)
            guard let invocation = event.input.invocationID else { continue }
            let status = RunRecord.Status(kind: event.input.kind)
            let ended: Int64? = status == .running ? nil : at
            try await connection.rows(
                """
                INSERT INTO run_invocation (circle, run_id, invocation_id, status, started_seq, started_at, ended_at)
                VALUES (\(circle), \(run), \(invocation), \(status.rawValue), \(event.sequence), \(at), \(ended))
                ON CONFLICT (circle, run_id, invocation_id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at
                """, logger)
            if invocation == run, status != .running {
                try await connection.rows(
                    """
                    UPDATE run SET status = \(status.rawValue), ended_at = \(at), terminal_seq = \(event.sequence)
                    WHERE circle = \(circle) AND id = \(run)
                    """, logger)
            }
        }
    }

    public func run(in circle: CircleID, id: String) async throws -> RunRecord? {
        let logger = self.logger
        return try await read { connection in
            let id = id
            guard
                let row = try await connection.rows(
                    "SELECT status, started_at, ended_at, last_seq, terminal_seq FROM run WHERE circle = \(circle.rawValue) AND id = \(id)",
                    logger
                ).first
            else { return nil }
            let (status, started, ended, last, terminalSeq) = try row.decode((String, Int64, Int64?, Int64, Int64?).self)
            let invocations = try await connection.rows(
                """
                SELECT invocation_id, status, started_at, ended_at FROM run_invocation
                WHERE circle = \(circle.rawValue) AND run_id = \(id) ORDER BY started_seq
                """, logger
            ).map { row in
                let (invocation, status, started, ended) = try row.decode((String, String, Int64, Int64?).self)
                return RunRecord.Invocation(
                    id: invocation, status: RunRecord.Status(rawValue: status) ?? .running, startedAt: Timestamp(milliseconds: started),
                    endedAt: ended.map(Timestamp.init(milliseconds:)))
            }
            var terminal: StoredEvent?
            if let terminalSeq,
                let event = try await connection.rows(
                    """
                    SELECT \(unescaped: PostgresEventStore.eventColumns) FROM event WHERE circle = \(circle.rawValue) AND seq = \(terminalSeq)
                    """, logger
                ).first
            {
                terminal = try PostgresEventStore.event(event, circle: circle)
            }
            return RunRecord(
                circle: circle, id: id, status: RunRecord.Status(rawValue: status) ?? .running, startedAt: Timestamp(milliseconds: started),
                endedAt: ended.map(Timestamp.init(milliseconds:)), lastSequence: last, invocations: invocations, terminal: terminal)
        }
    }

    public func namedCircle(_ circle: CircleID) async throws -> NamedCircle? {
        let logger = self.logger
        return try await read { connection in
            guard let row = try await connection.rows("SELECT name, created_at FROM circle WHERE id = \(circle.rawValue)", logger).first
            else { return nil }
            let (name, created) = try row.decode((String?, Int64).self)
            return NamedCircle(id: circle, name: name, createdAt: Timestamp(milliseconds: created))
        }
    }

    public func circleNames() async throws -> [CircleID: String] {
        let logger = self.logger
        return try await read { connection in
            var names: [CircleID: String] = [:]
            for row in try await connection.rows("SELECT id, name FROM circle WHERE name IS NOT NULL", logger) {
                let (id, name) = try row.decode((String, String).self)
                if let circle = CircleID(id) { names[circle] = name }
            }
            return names
        }
    }
}
