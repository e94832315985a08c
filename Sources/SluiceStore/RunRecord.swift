import SluiceCore

/// A run's state as the run index holds it (contract section 4): kept in the
/// same transaction as the events, so reading it never scans the log.
public struct RunRecord: Sendable, Equatable {
    /// Where a run or an invocation stands: `running` until its terminal event.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case running, completed, failed, cancelled

        /// The status an event of `kind` leaves its invocation in.
        public init(kind: String) {
            self = Status(rawValue: kind) ?? .running
        }
    }

    /// One invocation of the run, in the order it started.
    public struct Invocation: Sendable, Equatable {
        public let id: String
        public let status: Status
        public let startedAt: Timestamp
        public let endedAt: Timestamp?

        public init(id: String, status: Status, startedAt: Timestamp, endedAt: Timestamp?) {
            self.id = id
            self.status = status
            self.startedAt = startedAt
            self.endedAt = endedAt
        }
    }

    public let circle: CircleID
    public let id: String
    /// The status of invocation `id` (the run's own invocation).
    public let status: Status
    public let startedAt: Timestamp
    public let endedAt: Timestamp?
    public let lastSequence: Int64
    public let invocations: [Invocation]
    /// The terminal event of invocation `id`, while retention still holds it.
    public let terminal: StoredEvent?

    public init(
        circle: CircleID, id: String, status: Status, startedAt: Timestamp, endedAt: Timestamp?, lastSequence: Int64,
        invocations: [Invocation], terminal: StoredEvent?
    ) {
        self.circle = circle
        self.id = id
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.lastSequence = lastSequence
        self.invocations = invocations
        self.terminal = terminal
    }
}

/// A circle with its display name, for `GET /api/circles/{circle}`.
public struct NamedCircle: Sendable, Equatable {
    public let id: CircleID
    public let name: String?
    public let createdAt: Timestamp

    public init(id: CircleID, name: String?, createdAt: Timestamp) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}
