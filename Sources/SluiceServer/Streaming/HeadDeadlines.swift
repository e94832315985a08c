import NIOCore

/// The request-head deadlines of the connections one listener accepted on
/// one event loop. Every deadline is the same time after its connection
/// started, so they come due in the order they were set: one queue and one
/// timer per loop, instead of a task scheduled and cancelled for every
/// connection (which was 4 % of the listener's time while accepting).
///
/// Only used on its event loop. A cancelled deadline leaves the waiting set
/// at once, so nothing of a connection is kept for the rest of its timeout;
/// its place in the queue (16 bytes) goes once it reaches the front.
final class HeadDeadlines {
    private struct Entry {
        let due: NIODeadline
        let id: UInt64
    }

    private let eventLoop: any EventLoop
    private let timeout: TimeAmount
    private var queue = CircularBuffer<Entry>()
    private var waiting: [UInt64: (router: ConnectionRouter, context: ChannelHandlerContext)] = [:]
    private var nextID: UInt64 = 0
    private var timer: Scheduled<Void>?

    init(eventLoop: any EventLoop, timeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.timeout = timeout
    }

    /// The timeout of `seconds`, within what `TimeAmount` holds.
    static func timeout(seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(min(max(seconds, 0), 1e9) * 1e9))
    }

    /// Starts a connection's deadline: `router.headDeadlinePassed(context:)`
    /// runs when it passes, unless `cancel` came first.
    func start(_ router: ConnectionRouter, context: ChannelHandlerContext) -> UInt64 {
        nextID &+= 1
        queue.append(Entry(due: eventLoop.now + timeout, id: nextID))
        waiting[nextID] = (router, context)
        arm()
        return nextID
    }

    func cancel(_ id: UInt64) {
        waiting[id] = nil
        while let first = queue.first, waiting[first.id] == nil { queue.removeFirst() }
    }

    /// Deadlines waiting now, for tests.
    var count: Int { waiting.count }

    private func arm() {
        guard timer == nil, let first = queue.first else { return }
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: first.due) { self.fire() }
    }

    private func fire() {
        timer = nil
        let now = eventLoop.now
        while let first = queue.first, first.due <= now {
            queue.removeFirst()
            if let (router, context) = waiting.removeValue(forKey: first.id) { router.headDeadlinePassed(context: context) }
        }
        arm()
    }
}

extension HeadDeadlines {
    /// One `HeadDeadlines` per event loop of a listener's group, made when
    /// the listener starts; read without a lock.
    struct Registry: Sendable {
        private let byLoop: [ObjectIdentifier: NIOLoopBoundBox<HeadDeadlines>]

        init(group: any EventLoopGroup, timeout: TimeAmount) {
            var byLoop: [ObjectIdentifier: NIOLoopBoundBox<HeadDeadlines>] = [:]
            for loop in group.makeIterator() {
                byLoop[ObjectIdentifier(loop)] = .makeBoxSendingValue(HeadDeadlines(eventLoop: loop, timeout: timeout), eventLoop: loop)
            }
            self.byLoop = byLoop
        }

        /// The deadlines of `loop` (on that loop), nil for a loop not in the group.
        func deadlines(on loop: any EventLoop) -> HeadDeadlines? {
            byLoop[ObjectIdentifier(loop)]?.value
        }
    }
}
