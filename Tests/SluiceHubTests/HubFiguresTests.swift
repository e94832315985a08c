import Foundation
import SluiceCore
import SluiceHub
import SluiceSQLite
import Synchronization
import Testing

/// What the hub reports to its `HubFigures`: streams by kind, committed
/// events, coalesced progress, cut-offs and delivery with its lag.
@Suite struct HubFiguresTests {
    final class Recorder: HubFigures {
        struct Counts: Sendable {
            var opened: [StreamKind: Int] = [:]
            var closed: [StreamKind: Int] = [:]
            var committed = 0
            var delivered = 0
            var lags: [Duration] = []
            var coalesced = 0
            var fellBehind: [StreamKind: Int] = [:]
        }
        let counts = Mutex(Counts())

        func streamOpened(_ kind: StreamKind) { counts.withLock { $0.opened[kind, default: 0] += 1 } }
        func streamClosed(_ kind: StreamKind) { counts.withLock { $0.closed[kind, default: 0] += 1 } }
        func eventsCommitted(_ count: Int) { counts.withLock { $0.committed += count } }
        func delivered(_ frames: [QueuedFrame], kind: StreamKind, at now: ContinuousClock.Instant) {
            counts.withLock { counts in
                for frame in frames where frame.sequence != 0 {
                    counts.delivered += 1
                    if let committed = frame.committedAt { counts.lags.append(now - committed) }
                }
            }
        }
        func progressCoalesced(_ count: Int) { counts.withLock { $0.coalesced += count } }
        func closedFallingBehind(_ kind: StreamKind) { counts.withLock { $0.fellBehind[kind, default: 0] += 1 } }
    }

    @Test func figuresFollowQueueingCoalescingAndCutOff() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-figures-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteEventStore(path: directory.appendingPathComponent("hub.db").path)
        _ = try await store.createCircle(acme, at: Timestamp(milliseconds: 0))
        let recorder = Recorder()
        let hub = Hub(policies: PolicyStore(memberPolicies()), limits: HubLimits(queueFrames: 3), figures: recorder)
        hub.seed(acme, latest: 0)
        let fixture = HubFixture(hub: hub, store: store)
        let slow = try await fixture.open(spec(), resumeAfter: nil)
        let other = try await fixture.open(spec(naming: .lines), resumeAfter: nil)
        #expect(recorder.counts.withLock { $0.opened } == [.authenticatedSSE: 1, .webSocket: 1])

        try await fixture.commit([event("job.started", "i")] + (1...5).map { _ in event("job.progress", "i") })
        // Queue of 3, in each of the two streams nobody drains: p1, p2
        // dropped for p3; p3, p4 dropped for p5.
        #expect(recorder.counts.withLock { $0.coalesced } == 2 * 4)
        #expect(slow.subscription.closeReason == nil)
        try await fixture.commit([event("other.a"), event("other.b")])
        #expect(slow.subscription.closeReason == .overflow)
        #expect(recorder.counts.withLock { $0.fellBehind } == [.authenticatedSSE: 1, .webSocket: 1])

        // A fresh stream whose writer drains as it goes.
        let live = try await fixture.open(spec(), resumeAfter: nil)
        try await fixture.commit([event("later.x")])
        guard case .frames(let frames) = live.subscription.takeFrames() else { Issue.record("frames expected"); return }
        #expect(frames.count == 1)
        let counts = recorder.counts.withLock { $0 }
        #expect(counts.committed == 9)
        #expect(counts.delivered == 1 && counts.lags.count == 1)
        #expect(counts.lags.allSatisfy { $0 >= .zero && $0 < .seconds(5) })
        for stream in [slow, other, live] { stream.release() }
        #expect(recorder.counts.withLock { $0.closed } == [.authenticatedSSE: 2, .webSocket: 1])
    }
}
