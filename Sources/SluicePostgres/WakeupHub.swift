import SluiceStore
import Synchronization

/// Hands each wake-up to every open `wakeups()` stream, and finishes them
/// all when the store shuts down. A slow reader keeps only the newest
/// wake-ups: one lost costs latency, never data, since readers read the rows.
final class WakeupHub: Sendable {
    private struct State {
        var streams: [Int: AsyncStream<StoreWakeup>.Continuation] = [:]
        var next = 0
        var finished = false
    }

    private let state = Mutex(State())

    func stream() -> AsyncStream<StoreWakeup> {
        let (stream, continuation) = AsyncStream.makeStream(of: StoreWakeup.self, bufferingPolicy: .bufferingNewest(256))
        let id = state.withLock { state -> Int? in
            guard !state.finished else { return nil }
            state.next += 1
            state.streams[state.next] = continuation
            return state.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    func broadcast(_ wakeup: StoreWakeup) {
        for continuation in state.withLock({ Array($0.streams.values) }) { continuation.yield(wakeup) }
    }

    func finish() {
        let streams = state.withLock { state -> [AsyncStream<StoreWakeup>.Continuation] in
            state.finished = true
            defer { state.streams = [:] }
            return Array(state.streams.values)
        }
        for continuation in streams { continuation.finish() }
    }
}
