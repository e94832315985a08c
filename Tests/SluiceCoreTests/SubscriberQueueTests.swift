import SluiceCore
import Testing

private func frame(_ sequence: Int64, progressOf: String? = nil, ends: Bool = false, size: Int = 10) -> QueuedFrame {
    QueuedFrame(
        sequence: sequence, progressOf: progressOf, endsStream: ends, bytes: Array(repeating: UInt8(truncatingIfNeeded: sequence), count: size))
}

private let heartbeat = QueuedFrame(sequence: 0, bytes: SSEFrame.ping)

private func sequences(_ drain: SubscriberQueue.Drain) -> [Int64]? {
    switch drain {
    case .frames(let frames): return frames.map(\.sequence)
    case .empty: return []
    case .closed: return nil
    }
}

/// A queue already switched to live after `cursor`.
private func liveQueue(after cursor: Int64 = 0, maximumFrames: Int = 4096, maximumBytes: Int = 1 << 20) -> SubscriberQueue {
    var queue = SubscriberQueue(after: cursor, maximumFrames: maximumFrames, maximumBytes: maximumBytes)
    _ = queue.finishReplay()
    return queue
}

@Suite struct SubscriberQueueTests {
    @Test func replayingHoldsFrames() {
        var queue = SubscriberQueue(after: 0)
        #expect(queue.phase == .replaying)
        #expect(queue.enqueue(frame(1)) == .none)
        #expect(queue.enqueue(frame(2)) == .none)
        #expect(queue.drain() == .empty)
        #expect(queue.frames.map(\.sequence) == [1, 2])
        #expect(queue.byteCount == 20)
    }

    @Test func finishReplayDropsWhatHistoryAlreadyWrote() {
        var queue = SubscriberQueue(after: 2)
        for s in 3...8 { _ = queue.enqueue(frame(Int64(s))) }
        for s in 3...5 { queue.replayed(through: Int64(s)) }
        #expect(queue.lastDelivered == 5)
        #expect(queue.finishReplay() == .live(wake: true))
        #expect(queue.phase == .live)
        #expect(queue.frames.map(\.sequence) == [6, 7, 8])
        #expect(queue.byteCount == 30)
        #expect(sequences(queue.drain()) == [6, 7, 8])
        #expect(queue.lastDelivered == 8)
        #expect(queue.byteCount == 0)
        #expect(queue.drain() == .empty)
    }

    @Test func finishReplayWithNothingNewDoesNotWake() {
        var empty = SubscriberQueue(after: 0)
        #expect(empty.finishReplay() == .live(wake: false))
        #expect(empty.enqueue(frame(1)) == .wake)

        var stale = SubscriberQueue(after: 0)
        _ = stale.enqueue(frame(1))
        _ = stale.enqueue(frame(2))
        stale.replayed(through: 2)
        #expect(stale.finishReplay() == .live(wake: false))
        #expect(stale.frames.isEmpty)
    }

    @Test func replayedNeverMovesBackwards() {
        var queue = SubscriberQueue(after: 10)
        queue.replayed(through: 4)
        #expect(queue.lastDelivered == 10)
    }

    @Test func liveDuplicatesAreDroppedOnDrain() {
        var queue = liveQueue(after: 5)
        #expect(queue.enqueue(frame(4)) == .wake)
        #expect(queue.enqueue(frame(5)) == .wake)
        #expect(queue.drain() == .empty)
        _ = queue.enqueue(frame(6))
        _ = queue.enqueue(frame(6))
        _ = queue.enqueue(frame(7))
        #expect(sequences(queue.drain()) == [6, 7])
    }

    @Test func overflowWhileReplayingAsksToReplayAgain() {
        var queue = SubscriberQueue(after: 0, maximumFrames: 3)
        for s in 1...3 { #expect(queue.enqueue(frame(Int64(s))) == .none) }
        #expect(queue.frames.count == 3)
        #expect(queue.enqueue(frame(4)) == .none)  // over the limit: held frames dropped
        #expect(queue.frames.isEmpty)
        #expect(queue.enqueue(frame(5)) == .none)  // ignored until the replay restarts
        #expect(queue.frames.isEmpty)
        queue.replayed(through: 5)
        #expect(queue.finishReplay() == .replayAgain(after: 5))
        #expect(queue.phase == .replaying)
        #expect(queue.enqueue(frame(6)) == .none)
        #expect(queue.frames.map(\.sequence) == [6])
        #expect(queue.finishReplay() == .live(wake: true))
        #expect(sequences(queue.drain()) == [6])
    }

    @Test func byteOverflowWhileReplayingAsksToReplayAgain() {
        var queue = SubscriberQueue(after: 0, maximumFrames: 100, maximumBytes: 25)
        _ = queue.enqueue(frame(1))
        _ = queue.enqueue(frame(2))
        #expect(queue.byteCount == 20)
        _ = queue.enqueue(frame(3))
        #expect(queue.frames.isEmpty)
        #expect(queue.byteCount == 0)
        #expect(queue.finishReplay() == .replayAgain(after: 0))
    }

    @Test func liveOverflowCoalescesProgressOfTheSameInvocationToTheNewest() {
        var queue = liveQueue(maximumFrames: 4)
        _ = queue.enqueue(frame(1, progressOf: "A"))
        _ = queue.enqueue(frame(2, progressOf: "A"))
        _ = queue.enqueue(frame(3, progressOf: "B"))
        _ = queue.enqueue(frame(4))
        #expect(queue.frames.count == 4)
        #expect(queue.enqueue(frame(5, progressOf: "A")) == .wake)
        #expect(queue.frames.map(\.sequence) == [3, 4, 5])
        #expect(queue.byteCount == 30)
        #expect(sequences(queue.drain()) == [3, 4, 5])
    }

    @Test func liveOverflowCoalescesOtherInvocationsToMakeRoom() {
        var queue = liveQueue(maximumFrames: 4)
        _ = queue.enqueue(frame(1, progressOf: "A"))
        _ = queue.enqueue(frame(2, progressOf: "A"))
        _ = queue.enqueue(frame(3, progressOf: "B"))
        _ = queue.enqueue(frame(4, progressOf: "B"))
        #expect(queue.enqueue(frame(5, ends: true)) == .wake)
        #expect(queue.frames.map(\.sequence) == [2, 4, 5])
    }

    @Test func terminalFramesAreNeverDroppedTheQueueClosesInstead() {
        var queue = liveQueue(maximumFrames: 3)
        _ = queue.enqueue(frame(1))  // e.g. completed of X
        _ = queue.enqueue(frame(2))  // failed of Y
        _ = queue.enqueue(frame(3, progressOf: "A"))
        #expect(queue.enqueue(frame(4, progressOf: "A")) == .wake)
        #expect(queue.frames.map(\.sequence) == [1, 2, 4])
        #expect(queue.enqueue(frame(5)) == .closed)
        #expect(queue.phase == .closed(.overflow))
        #expect(queue.frames.isEmpty && queue.byteCount == 0)
        #expect(queue.drain() == .closed(.overflow))
        #expect(queue.enqueue(frame(6)) == .none)
    }

    @Test func liveByteOverflowCloses() {
        var queue = liveQueue(maximumFrames: 100, maximumBytes: 35)
        for s in 1...3 { #expect(queue.enqueue(frame(Int64(s))) == .wake) }
        #expect(queue.enqueue(frame(4)) == .closed)
        #expect(queue.isClosed)
        #expect(queue.finishReplay() == .closed(.overflow))
    }

    @Test func aFrameThatAloneExceedsTheByteLimitClosesTheLiveQueue() {
        var queue = liveQueue(maximumFrames: 100, maximumBytes: 35)
        #expect(queue.enqueue(frame(1, size: 36)) == .closed)
    }

    @Test func heartbeatIsSkippedWhenFramesAreWaiting() {
        var queue = liveQueue(after: 3)
        #expect(queue.enqueue(heartbeat) == .wake)
        #expect(sequences(queue.drain()) == [0])
        #expect(queue.lastDelivered == 3)
        _ = queue.enqueue(frame(4))
        #expect(queue.enqueue(heartbeat) == .none)
        #expect(queue.frames.map(\.sequence) == [4])
        #expect(sequences(queue.drain()) == [4])
    }

    @Test func closeIsIdempotentAndKeepsTheFirstReason() {
        var queue = SubscriberQueue(after: 0)
        _ = queue.enqueue(frame(1))
        let first = queue.close(.revoked)
        let second = queue.close(.shutdown)
        #expect(first)
        #expect(!second)
        #expect(queue.phase == .closed(.revoked))
        #expect(queue.frames.isEmpty)
        #expect(queue.enqueue(frame(2)) == .none)
        #expect(queue.drain() == .closed(.revoked))
        #expect(queue.finishReplay() == .closed(.revoked))
    }

    /// A model of the stream protocol (history read in pages while live events
    /// are published concurrently, the client reconnecting after an overflow)
    /// over many seeded interleavings: the client sees every event after its
    /// resume point exactly once, in order.
    @Test(arguments: 0..<300 as Range<UInt64>)
    func replayThenLiveDeliversEveryEventOnceInOrder(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let total = Int64(rng.int(0...60))
        var committed = Int64(rng.int(0...Int(total)))
        var published = Int64(rng.int(0...Int(committed)))
        let resumeFrom = Int64(rng.int(0...Int(committed)))
        let maximumFrames = rng.int(1...6)
        var queue = SubscriberQueue(after: resumeFrom, maximumFrames: maximumFrames)
        var replayCursor: Int64? = resumeFrom
        var delivered: [Int64] = []
        var steps = 0
        while steps < 20_000 {
            steps += 1
            if committed == total, published == total, replayCursor == nil, queue.frames.isEmpty, !queue.isClosed { break }
            switch rng.int(0...3) {
            case 0:
                if committed < total { committed += 1 }
            case 1:
                if published < committed {
                    published += 1
                    _ = queue.enqueue(frame(published))
                    #expect(queue.frames.count <= maximumFrames)
                }
            case 2:
                guard let cursor = replayCursor else { break }
                let end = min(committed, cursor + Int64(rng.int(1...3)))
                if end > cursor {
                    for s in (cursor + 1)...end {
                        delivered.append(s)
                        queue.replayed(through: s)
                    }
                    replayCursor = end
                } else {
                    switch queue.finishReplay() {
                    case .live: replayCursor = nil
                    case .replayAgain(let after): replayCursor = after
                    case .closed: replayCursor = nil
                    }
                }
            default:
                guard replayCursor == nil else { break }
                switch queue.drain() {
                case .frames(let frames): delivered += frames.map(\.sequence)
                case .empty: break
                case .closed:
                    // The client reconnects with the last id it saw.
                    let last = delivered.last ?? resumeFrom
                    queue = SubscriberQueue(after: last, maximumFrames: maximumFrames)
                    replayCursor = last
                }
            }
        }
        #expect(steps < 20_000, "seed \(seed) did not settle")
        #expect(delivered == Array(stride(from: resumeFrom + 1, through: total, by: 1)), "seed \(seed)")
    }
}
