import SluiceCore

/// A run's state now (`GET /api/{circle}/runs/{run_id}`, contract section 4).
public struct RunState: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case running, completed, failed, cancelled
    }

    /// One invocation of the run.
    public struct Invocation: Sendable, Equatable {
        public let invocationID: String
        public let status: Status
        public let startedAt: String
        public let endedAt: String?
    }

    public let runID: String
    /// The status of invocation `runID`.
    public let status: Status
    public let startedAt: String
    /// Nil while running.
    public let endedAt: String?
    public let lastEventID: String
    public let invocations: [Invocation]
    /// The terminal event of invocation `runID` through the caller's face;
    /// nil while running or when the face hides it.
    public let terminal: Envelope?

    /// Reads the route's JSON; nil when it is not a run state.
    public init?(json: JSONValue) {
        guard let runID = json["run_id"]?.stringValue, let status = json["status"]?.stringValue.flatMap(Status.init),
            let startedAt = json["started_at"]?.stringValue, let lastEventID = json["last_event_id"]?.stringValue
        else { return nil }
        var invocations: [Invocation] = []
        for item in json["invocations"]?.arrayValues ?? [] {
            guard let id = item["invocation_id"]?.stringValue, let status = item["status"]?.stringValue.flatMap(Status.init),
                let started = item["started_at"]?.stringValue
            else { return nil }
            invocations.append(Invocation(invocationID: id, status: status, startedAt: started, endedAt: item["ended_at"]?.stringValue))
        }
        self.runID = runID
        self.status = status
        self.startedAt = startedAt
        self.endedAt = json["ended_at"]?.stringValue
        self.lastEventID = lastEventID
        self.invocations = invocations
        self.terminal = json["terminal"].flatMap(Envelope.init(json:))
    }
}

extension SluiceClient {
    /// The state of run `id` in `circle`; `not_found` for a run with no event.
    public func run(_ id: String, in circle: String) async throws -> RunState {
        let reply = try await send(.GET, "/api/\(Self.segment(circle))/runs/\(Self.segment(id))", retrying: true)
        guard let state = RunState(json: try Self.object(reply)) else {
            throw SluiceClientError.invalidResponse("not a run state", status: reply.status)
        }
        return state
    }

    /// The events of run `id`: its history, then live; the sequence ends
    /// after the terminal event of invocation `id`. A run not yet seen waits for it.
    public func runEvents(_ id: String, in circle: String, after: String? = nil) -> EventSubscription {
        EventSubscription(
            client: self, path: "/api/\(Self.segment(circle))/runs/\(Self.segment(id))/events", query: [], after: after,
            run: (circle, id))
    }

    /// The terminal envelope of run `id` (completed, failed or cancelled):
    /// at once for a run already over, else as soon as it ends. Throws
    /// `timeout` after `timeout`, and `terminal_not_visible` for a run that
    /// ended with a terminal event the caller's face hides.
    public func waitForRun(_ id: String, in circle: String, timeout: Duration) async throws -> Envelope {
        try await withThrowingTaskGroup(of: Envelope.self) { group in
            group.addTask { try await followRun(id, in: circle) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SluiceClientError(
                    code: .timeout, status: nil, title: "Timeout", detail: "run '\(id)' did not end within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let terminal = try await group.next() else { throw CancellationError() }
            return terminal
        }
    }

    func followRun(_ id: String, in circle: String) async throws -> Envelope {
        do {
            let state = try await run(id, in: circle)
            if state.status != .running { return try Self.terminal(of: state) }
        } catch let error as SluiceClientError where error.code == .notFound {
            // Not seen yet: the run stream waits for it.
        }
        for try await envelope in runEvents(id, in: circle).envelopes
        where envelope.isTerminal && (envelope.invocationID ?? id) == id {
            return envelope
        }
        return try Self.terminal(of: try await run(id, in: circle))
    }

    static func terminal(of state: RunState) throws -> Envelope {
        guard let terminal = state.terminal else {
            throw SluiceClientError(
                code: .terminalNotVisible, status: nil, title: "Terminal Not Visible",
                detail: "run '\(state.runID)' is \(state.status.rawValue), but the face does not show its terminal event")
        }
        return terminal
    }
}
