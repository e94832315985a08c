import SluiceCore
import SluiceStore
import Synchronization

/// Fairness between circles, in memory: each circle's ingest token bucket and
/// its cap on open streams, from the defaults and the circle's overrides
/// (kept fresh by polling the store, so an offline change reaches a running
/// gateway within a poll). One lock held for a few arithmetic operations per
/// call, so a circle at its limit never slows another.
public final class CircleLimits: Sendable {
    private struct State: Sendable {
        var overrides: [CircleID: CircleLimitsRecord] = [:]
        var buckets: [CircleID: TokenBucket] = [:]
    }

    public let defaults: FairnessLimits
    private let state = Mutex(State())
    /// Buckets kept before full ones (no different from new ones) are dropped,
    /// so publishing to many circle ids cannot grow the table without bound.
    static let maximumBuckets = 16_384

    public init(defaults: FairnessLimits = FairnessLimits()) {
        self.defaults = defaults
    }

    /// The limits in force for `circle`.
    public func effective(_ circle: CircleID) -> FairnessLimits {
        state.withLock { state in Self.effective(state.overrides[circle], defaults: defaults) }
    }

    private static func effective(_ record: CircleLimitsRecord?, defaults: FairnessLimits) -> FairnessLimits {
        FairnessLimits(eventsPerSecond: record?.eventsPerSecond ?? defaults.eventsPerSecond, streams: record?.streams ?? defaults.streams)
    }

    /// Most streams `circle` may have open.
    public func streamCap(_ circle: CircleID) -> Int { effective(circle).streams }

    /// Takes `events` tokens from the circle's bucket at `now`, or refuses
    /// with `rate_limited` and the seconds to wait; nothing is taken then.
    public func admit(_ events: Int, to circle: CircleID, at now: Timestamp) throws(SluiceError) {
        let seconds = Double(now.milliseconds) / 1000
        let decision = state.withLock { state in
            let rate = Self.effective(state.overrides[circle], defaults: defaults).eventsPerSecond
            if state.buckets[circle] == nil && state.buckets.count >= Self.maximumBuckets {
                state.buckets = state.buckets.filter { !$0.value.isFull(at: seconds) }
            }
            var bucket = state.buckets[circle] ?? TokenBucket(rate: rate, now: seconds)
            if bucket.rate != rate { bucket.setRate(rate, at: seconds) }
            let decision = bucket.take(events, at: seconds)
            state.buckets[circle] = bucket
            return decision
        }
        if case .refused(let retryAfter) = decision {
            throw .rateLimited("the circle is over its ingest rate; nothing of this request was stored", retryAfterSeconds: retryAfter)
        }
    }

    /// Sets one circle's overrides (the API changed them here).
    public func setOverride(_ record: CircleLimitsRecord, for circle: CircleID) {
        state.withLock { state in
            state.overrides[circle] = record == CircleLimitsRecord() ? nil : record
        }
    }

    /// Replaces every override with what the store holds (the poller).
    public func replaceOverrides(_ overrides: [CircleID: CircleLimitsRecord]) {
        state.withLock { $0.overrides = overrides }
    }

    /// Forgets a deleted circle's bucket, so a circle created later with the id starts afresh.
    public func forget(_ circle: CircleID) {
        state.withLock { state in
            state.buckets[circle] = nil
            state.overrides[circle] = nil
        }
    }
}
