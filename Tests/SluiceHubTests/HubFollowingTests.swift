import Foundation
import SluiceCore
import SluiceHub
import SluiceSQLite
import SluiceStore
import Testing

/// The hub of a node on a shared log: events arrive from this node's ingest
/// and from the follower reading what other nodes committed; each circle's
/// events reach every stream once, in sequence, with no gap.
@Suite struct HubFollowingTests {
    struct AdmissionCase: Sendable, CustomTestStringConvertible {
        let sequences: [Int64]
        let latest: Int64?
        let completeAfter: Int64?
        let expected: SequenceAdmission
        var testDescription: String { "\(sequences) after \(String(describing: latest)), complete after \(String(describing: completeAfter))" }
    }

    static let admissionCases: [AdmissionCase] = [
        AdmissionCase(sequences: [3, 4], latest: 2, completeAfter: nil, expected: SequenceAdmission(taken: 0..<2, latest: 4, gap: false)),
        AdmissionCase(sequences: [4, 5], latest: 2, completeAfter: nil, expected: SequenceAdmission(taken: 0..<0, latest: 2, gap: true)),
        AdmissionCase(sequences: [2, 3, 4], latest: 3, completeAfter: nil, expected: SequenceAdmission(taken: 2..<3, latest: 4, gap: false)),
        AdmissionCase(sequences: [1, 2], latest: 5, completeAfter: nil, expected: SequenceAdmission(taken: 2..<2, latest: 5, gap: false)),
        AdmissionCase(sequences: [3, 5], latest: 2, completeAfter: nil, expected: SequenceAdmission(taken: 0..<1, latest: 3, gap: true)),
        AdmissionCase(sequences: [7, 9], latest: nil, completeAfter: nil, expected: SequenceAdmission(taken: 0..<2, latest: 9, gap: false)),
        AdmissionCase(sequences: [7, 9], latest: nil, completeAfter: 6, expected: SequenceAdmission(taken: 0..<0, latest: nil, gap: false)),
        AdmissionCase(sequences: [3, 4, 8], latest: 4, completeAfter: 2, expected: SequenceAdmission(taken: 2..<3, latest: 8, gap: false)),
        AdmissionCase(sequences: [9, 10], latest: 4, completeAfter: 6, expected: SequenceAdmission(taken: 0..<0, latest: 4, gap: true)),
        AdmissionCase(sequences: [], latest: 4, completeAfter: nil, expected: SequenceAdmission(taken: 0..<0, latest: 4, gap: false)),
    ]

    @Test(arguments: admissionCases)
    func admission(_ example: AdmissionCase) {
        #expect(SequenceAdmission.admit(example.sequences, latest: example.latest, completeAfter: example.completeAfter) == example.expected)
    }

    @Test func eventsOfOtherNodesFillTheGapInOrderWithoutDuplicates() async throws {
        try await withFollowingHub { fixture in
            let hub = fixture.hub
            let stream = try await fixture.open(spec(), resumeAfter: nil)
            // Two events committed by "another node": in the log, never handed to this hub.
            _ = try await fixture.store.append(
                [AppendRequest(circle: acme, events: [event("a.one"), event("a.two")])], at: Timestamp(milliseconds: 1))
            // This node's own commit continues at 3: a gap, so nothing is delivered yet.
            let third = try await fixture.commit([event("a.three")])
            #expect(third.map(\.sequence) == [3])
            #expect(hub.latestSequence(of: acme) == 0)
            #expect(hub.followRequests.take().circles == [acme])
            // The follower reads after the hub's newest and hands the page over.
            let page = try await fixture.store.events(in: acme, after: 0, limit: 100)
            hub.publishFollowed(page, after: 0)
            #expect(hub.latestSequence(of: acme) == 3)
            // A late duplicate of the local hand-over changes nothing; the next local commit goes straight through.
            hub.publish(third)
            try await fixture.commit([event("a.four")])
            let (frames, _) = try await read(stream) { sequences($0).count >= 4 }
            #expect(sequences(frames) == [1, 2, 3, 4])
            #expect(hub.followRequests.take().circles.isEmpty)
        }
    }

    @Test func aFirstStreamStartsFollowingItsCircleAtTheNewestCommit() async throws {
        try await withFollowingHub(seed: false) { fixture in
            let hub = fixture.hub
            _ = try await fixture.store.append(
                [AppendRequest(circle: acme, events: [event("a.one"), event("a.two")])], at: Timestamp(milliseconds: 1))
            #expect(hub.latestSequence(of: acme) == nil)
            let stream = try await fixture.open(spec(), resumeAfter: 1)
            #expect(hub.latestSequence(of: acme) == 2)
            // Seeding from the change feed afterwards must not move it.
            hub.seed(acme, latest: 0)
            #expect(hub.latestSequence(of: acme) == 2)
            try await fixture.commit([event("a.three")])
            let (frames, _) = try await read(stream) { sequences($0).count >= 2 }
            #expect(sequences(frames) == [2, 3])
        }
    }

    @Test func concurrentPathsNeverReorderAStream() async throws {
        try await withFollowingHub { fixture in
            let hub = fixture.hub
            let stream = try await fixture.open(spec(), resumeAfter: nil)
            let total = 200
            // Half committed "elsewhere", half here, interleaved; the follower races the local hand-over.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for i in 0..<total {
                        if i % 2 == 0 {
                            _ = try await fixture.store.append([AppendRequest(circle: acme, events: [event("a.x")])], at: Timestamp(milliseconds: 1))
                        } else {
                            try await fixture.commit([event("a.x")])
                        }
                    }
                }
                group.addTask {
                    for _ in 0..<total {
                        if let after = hub.latestSequence(of: acme) {
                            hub.publishFollowed(try await fixture.store.events(in: acme, after: after, limit: 7), after: after)
                        }
                        await Task.yield()
                    }
                }
                try await group.waitForAll()
            }
            while let after = hub.latestSequence(of: acme), after < Int64(total) {
                hub.publishFollowed(try await fixture.store.events(in: acme, after: after, limit: 50), after: after)
            }
            let (frames, _) = try await read(stream) { sequences($0).count >= total }
            #expect(sequences(frames) == Array(1...Int64(total)))
        }
    }
}

/// A hub that follows a shared log, over a SQLite store written both
/// "by another node" (appends not handed to the hub) and through the hub.
func withFollowingHub(seed: Bool = true, _ body: (HubFixture) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-follow-tests-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteEventStore(path: directory.appendingPathComponent("hub.db").path)
    _ = try await store.createCircle(acme, at: Timestamp(milliseconds: 0))
    let hub = Hub(policies: PolicyStore(memberPolicies()), followsStore: true)
    if seed { hub.seed(acme, latest: 0) }
    try await body(HubFixture(hub: hub, store: store))
}
