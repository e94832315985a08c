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
public final class IngestPipeline: Service, Sendable {
    private struct Pending: Sendable {
        let request: AppendRequest
        let continuation: CheckedContinuation<[StoredEvent], any Error>
    }

    private struct State: Sendable {
        var pending: [Pending] = []
        var pendingEvents = 0
        var wakeWriter: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    private let state = Mutex(State())
    private let store: any EventStore
    private let hub: Hub
    private let now: @Sendable () -> Timestamp
    private let logger: Logger
    /// Most events committed in one transaction.
    private let maximumGroupEvents: Int

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
        try await withCheckedThrowingContinuation { continuation in
            let wake: CheckedContinuation<Void, Never>? = state.withLock { state in
                guard !state.stopped else {
                    continuation.resume(throwing: SluiceError.unavailable())
                    return nil
                }
                state.pending.append(Pending(request: AppendRequest(circle: circle, events: events), continuation: continuation))
                state.pendingEvents += events.count
                defer { state.wakeWriter = nil }
                return state.wakeWriter
            }
            wake?.resume()
        }
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
                var count = 0
                var split = 0
                while split < state.pending.count {
                    count += state.pending[split].request.events.count
                    split += 1
                    if count >= maximumGroupEvents { break }
                }
                let group = Array(state.pending[..<split])
                state.pending.removeFirst(split)
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

    private func commit(_ group: [Pending]) async {
        do {
            let results = try await store.append(group.map(\.request), at: now())
            var committed: [StoredEvent] = []
            for result in results { if case .success(let events) = result { committed.append(contentsOf: events) } }
            hub.publish(committed)
            for (pending, result) in zip(group, results) {
                switch result {
                case .success(let events): pending.continuation.resume(returning: events)
                case .failure(let error): pending.continuation.resume(throwing: error)
                }
            }
        } catch {
            logger.error("event commit failed", metadata: ["error": "\(type(of: error))"])
            for pending in group { pending.continuation.resume(throwing: SluiceError.internalError) }
        }
    }
}
