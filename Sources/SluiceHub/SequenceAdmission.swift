import SluiceCore

/// Which of a circle's events the hub takes when events reach it by two
/// paths (this node's ingest and the `EventFollower` reading the shared
/// log), so every subscriber sees each event once, in sequence, with no gap.
/// A pure function of the hub's newest sequence for the circle; tested
/// without I/O.
public struct SequenceAdmission: Sendable, Equatable {
    /// Positions (in the events given) to deliver, in order.
    public let taken: Range<Int>
    /// The circle's newest sequence after taking them.
    public let latest: Int64?
    /// Whether some events could not be taken because earlier ones are
    /// missing: the follower must read the log after `latest`.
    public let gap: Bool

    public init(taken: Range<Int>, latest: Int64?, gap: Bool) {
        self.taken = taken
        self.latest = latest
        self.gap = gap
    }

    /// - Parameters:
    ///   - sequences: one circle's event sequences, ascending.
    ///   - latest: the newest sequence the hub has delivered for the circle,
    ///     or nil when it does not follow the circle (no stream is open).
    ///   - completeAfter: nil for events from this node's ingest, which must
    ///     continue `latest` exactly; for a page read from the log, the
    ///     sequence it was read after: the page is then every retained event
    ///     after that one, so whatever in it is past `latest` may be taken
    ///     (retention may have removed some numbers).
    public static func admit(_ sequences: [Int64], latest: Int64?, completeAfter: Int64?) -> SequenceAdmission {
        guard let last = sequences.last else { return SequenceAdmission(taken: 0..<0, latest: latest, gap: false) }
        guard let latest else {
            // Nobody follows the circle: its newest committed sequence is
            // the best start; a page read for a circle forgotten meanwhile is dropped.
            guard completeAfter == nil else { return SequenceAdmission(taken: 0..<0, latest: nil, gap: false) }
            return SequenceAdmission(taken: 0..<sequences.count, latest: last, gap: false)
        }
        let start = sequences.firstIndex { $0 > latest } ?? sequences.count
        if let after = completeAfter {
            // Read after an older point than the hub stands at is fine (the
            // page covers it); after a newer one, something may be missing.
            guard after <= latest else { return SequenceAdmission(taken: 0..<0, latest: latest, gap: true) }
            return SequenceAdmission(taken: start..<sequences.count, latest: max(latest, last), gap: false)
        }
        var expected = latest + 1
        var end = start
        while end < sequences.count, sequences[end] == expected {
            expected += 1
            end += 1
        }
        return SequenceAdmission(taken: start..<end, latest: expected - 1, gap: end < sequences.count)
    }
}
