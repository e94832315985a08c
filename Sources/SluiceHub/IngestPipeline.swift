import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore
import Synchronization

/// Group commit: publishers hand their batches here; one writer loop takes
/// everything pending, commits it in one durable transaction, fans the
/// committed events out, and only then acknowledges each publisher. So
/// throughput is not one fsync per request, and nothing reaches a subscriber
/// before its commit.
///
/// Fairness: a group takes pending batches in arrival order up to
/// `maximumGroupEvents`, and past that still the first pending batch of every
/// circle not yet in the group, so a circle flooding the queue delays a quiet
/// one by one commit at most.
public final class IngestPipeline: Service, Sendable {
    private struct Pending: Sendable {
        let request: AppendRequest
        let continuation: CheckedContinuation<AppendOutcome, any Error>
    }

    private struct State: Sendable {
        var pending: [Pending] = []
        var pendingEvents = 0
        var wakeWriter: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    private let state = Mutex(State())
    let store: any EventStore
    let hub: Hub
    public let now: @Sendable () -> Timestamp
    private let logger: Logger
    /// Most events committed in one transaction (more only to give every waiting circle a place).
    private let maximumGroupEvents: Int
    /// Makes a retry with an `Idempotency-Key` wait for the first request.
    let idempotencyGate = IdempotencyGate()
    private let groups = Atomic(0)
    /// Group commits so far (each one durable transaction), for tests and figures.
    public var groupsCommitted: Int { groups.load(ordering: .relaxed) }

    public init(store: any EventStore, hub: Hub, now: @escaping @Sendable () -> Timestamp, logger: Logger, maximumGroupEvents: Int = 5000) {
        self.store = store
        self.hub = hub
        self.now = now
        self.logger = logger
        self.maximumGroupEvents = maximumGroupEvents
    }

    /// Appends a batch for a circle; returns once it is durably committed
    /// and handed to the hub. Throws the batch's own error (lifecycle,
    /// unknown circle) or `unavailable` during shutdown.
    public func append(_ events: [EventInput], to circle: CircleID) async throws -> [StoredEvent] {
        switch try await submit(AppendRequest(circle: circle, events: events)) {
        case .committed(let stored): return stored
        case .refused(let error): throw error
        case .replayed(.refused(let error)): throw error
        case .replayed(.created): throw SluiceError.internalError
        }
    }

    /// Queues one request for the next group commit; returns how it ended,
    /// once committed and handed to the hub.
    func submit(_ request: AppendRequest, order: IngestOrder? = nil) async throws -> AppendOutcome {
        let events = request.events
        let holdsWriter = order?.holdsWriter ?? false
        return try await withCheckedThrowingContinuation { continuation in
            let wake: CheckedContinuation<Void, Never>? = state.withLock { state in
                guard !state.stopped else {
                    continuation.resume(throwing: SluiceError.unavailable())
                    return nil
                }
                state.pending.append(Pending(request: request, continuation: continuation))
                state.pendingEvents += events.count
                if holdsWriter { return nil }  // the caller wakes it (`wakeWriter()`) once all its batches are queued
                defer { state.wakeWriter = nil }
                return state.wakeWriter
            }
            wake?.resume()
            order?.onQueued()
        }
    }

    /// Wakes the writer if it waits; for a caller that queued with `IngestOrder.holdsWriter`.
    public func wakeWriter() {
        let wake: CheckedContinuation<Void, Never>? = state.withLock { state in
            defer { state.wakeWriter = nil }
            return state.wakeWriter
        }
        wake?.resume()
    }

    public func run() async throws {
        // Graceful shutdown drains what is pending; cancellation (the group
        // ending because another service failed) must end the wait too.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                while let group = await nextGroup() {
                    await commit(group)
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
    }

    private func stop() {
        let wake: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.stopped = true
            defer { state.wakeWriter = nil }
            return state.wakeWriter
        }
        wake?.resume()
    }

    /// Waits for pending batches; nil once stopped and drained.
    private func nextGroup() async -> [Pending]? {
        while true {
            let taken: [Pending]? = state.withLock { state in
                if state.pending.isEmpty { return state.stopped ? [] : nil }
                let (group, rest, count) = IngestPipeline.split(
                    state.pending, circle: \.request.circle, events: \.request.events.count, maximumEvents: maximumGroupEvents)
                state.pending = rest
                state.pendingEvents -= count
                return group
            }
            if let taken { return taken.isEmpty ? nil : taken }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.pending.isEmpty || state.stopped { return true }
                    state.wakeWriter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// The next group: pending batches in order while under `maximumEvents`;
    /// past it, only the first batch of each circle not yet in the group (a
    /// circle's own batches never change order). Returns the group, what stays
    /// pending, and the group's event count.
    static func split<Item>(
        _ pending: [Item], circle: (Item) -> CircleID, events: (Item) -> Int, maximumEvents: Int
    ) -> (group: [Item], rest: [Item], count: Int) {
        var group: [Item] = []
        var rest: [Item] = []
        var circles = Set<CircleID>()
        var count = 0
        for item in pending {
            if count < maximumEvents || !circles.contains(circle(item)) {
                group.append(item)
                circles.insert(circle(item))
                count += events(item)
            } else {
                rest.append(item)
            }
        }
        return (group, rest, count)
    }

    private func commit(_ group: [Pending]) async {
        do {
            let results = try await store.append(group.map(\.request), at: now())
            groups.add(1, ordering: .relaxed)
            var committed: [StoredEvent] = []
            for result in results { if case .committed(let events) = result { committed.append(contentsOf: events) } }
            hub.publish(committed)
            for (pending, result) in zip(group, results) { pending.continuation.resume(returning: result) }
            // The store answers every request; one missing would otherwise never resume.
            for pending in group.dropFirst(results.count) { pending.continuation.resume(throwing: SluiceError.internalError) }
        } catch {
            logger.error("event commit failed", metadata: ["error": "\(type(of: error))"])
            let answer = Self.commitFailure(error, sharedStore: store.isShared)
            for pending in group { pending.continuation.resume(throwing: answer) }
        }
    }

    /// What publishers hear when a commit fails: on one SQLite file, a bare
    /// internal error; on a shared store, whose database may have gone away,
    /// the store's own contract error (such as `unavailable`), and
    /// `unavailable` for anything else, so the publisher retries later.
    static func commitFailure(_ error: any Error, sharedStore: Bool) -> SluiceError {
        guard sharedStore else { return SluiceError.internalError }
        if let error = error as? SluiceError { return error }
        return SluiceError.unavailable("the database is not reachable")
    }
}
