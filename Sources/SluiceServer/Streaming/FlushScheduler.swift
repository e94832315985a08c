import NIOConcurrencyHelpers
import NIOCore

/// One per event loop: collects the stream writers that have frames ready and
/// flushes them all in one event-loop task, so an event fanned out to a
/// thousand subscribers costs one hop per loop, not one per subscriber.
final class FlushScheduler: Sendable {
    let eventLoop: any EventLoop

    private struct State {
        var ready: [ChannelStreamWriter] = []
        var scheduled = false
    }

    private let state = NIOLockedValueBox(State())

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    private static let schedulers = NIOLockedValueBox([ObjectIdentifier: FlushScheduler]())

    /// The scheduler of `eventLoop`, created on first use.
    static func of(_ eventLoop: any EventLoop) -> FlushScheduler {
        schedulers.withLockedValue { all in
            let key = ObjectIdentifier(eventLoop)
            if let existing = all[key] { return existing }
            let created = FlushScheduler(eventLoop: eventLoop)
            all[key] = created
            return created
        }
    }

    /// Queues `writer` for the next flush (once, however often it is called).
    func schedule(_ writer: ChannelStreamWriter) {
        let needsTask = state.withLockedValue { state -> Bool in
            guard !writer.isQueued else { return false }
            writer.isQueued = true
            state.ready.append(writer)
            if state.scheduled { return false }
            state.scheduled = true
            return true
        }
        if needsTask { eventLoop.execute { self.run() } }
    }

    private func run() {
        let writers = state.withLockedValue { state -> [ChannelStreamWriter] in
            state.scheduled = false
            defer { state.ready.removeAll(keepingCapacity: true) }
            for writer in state.ready { writer.isQueued = false }
            return state.ready
        }
        for writer in writers { writer.flush() }
    }
}
