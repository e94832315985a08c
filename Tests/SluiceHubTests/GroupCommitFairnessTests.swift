import SluiceCore
import Testing

@testable import SluiceHub

/// How the group commit picks its next group: one busy circle never keeps a
/// quiet one out of the next commit.
@Suite struct GroupCommitFairnessTests {
    struct Batch: Equatable {
        let circle: CircleID
        let events: Int
        let tag: Int
    }

    static let busy = CircleID("busy")!
    static let quiet = CircleID("quiet")!
    static let other = CircleID("other")!

    func split(_ pending: [Batch], maximum: Int) -> (group: [Batch], rest: [Batch], count: Int) {
        IngestPipeline.split(pending, circle: \.circle, events: \.events, maximumEvents: maximum)
    }

    @Test func aQuietCircleBehindAFloodGoesIntoTheNextCommit() {
        var pending = (0..<20).map { Batch(circle: Self.busy, events: 1000, tag: $0) }
        pending.append(Batch(circle: Self.quiet, events: 1, tag: 100))
        pending.append(Batch(circle: Self.busy, events: 1000, tag: 20))
        pending.append(Batch(circle: Self.other, events: 10, tag: 200))
        let (group, rest, count) = split(pending, maximum: 5000)
        #expect(group.map(\.tag) == [0, 1, 2, 3, 4, 100, 200])
        #expect(count == 5011)
        // The busy circle's batches stay in their order for the commits after.
        #expect(rest.map(\.tag) == Array(5..<21))
    }

    @Test func underTheMaximumEverythingGoesInArrivalOrder() {
        let pending = [
            Batch(circle: Self.busy, events: 3, tag: 1), Batch(circle: Self.quiet, events: 2, tag: 2), Batch(circle: Self.busy, events: 1, tag: 3),
        ]
        let (group, rest, count) = split(pending, maximum: 100)
        #expect(group == pending)
        #expect(rest.isEmpty)
        #expect(count == 6)
    }

    @Test func aSingleBatchOverTheMaximumStillGoes() {
        let (group, rest, _) = split([Batch(circle: Self.busy, events: 9000, tag: 1), Batch(circle: Self.busy, events: 1, tag: 2)], maximum: 5000)
        #expect(group.map(\.tag) == [1])
        #expect(rest.map(\.tag) == [2])
    }
}
