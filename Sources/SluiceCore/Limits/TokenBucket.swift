/// A circle's ingest allowance (contract section 9): `rate` tokens a second,
/// at most one second's worth saved up, one token per event.
///
/// A batch larger than the whole burst could otherwise never pass; it is
/// admitted from a full bucket and leaves it in debt, so the circle still
/// averages `rate` events a second and simply waits longer afterwards.
/// Time is given by the caller (seconds on any monotonic-enough scale), so
/// the bucket is a value with no clock of its own, tested without waiting.
public struct TokenBucket: Sendable, Equatable {
    /// What `take` decided.
    public enum Decision: Sendable, Equatable {
        case admitted
        /// Nothing taken; enough tokens will be there after this many seconds (at least 1).
        case refused(retryAfterSeconds: Int)
    }

    /// Tokens added per second, and also the most the bucket holds.
    public private(set) var rate: Int
    /// Tokens now; negative after an oversized batch.
    public private(set) var tokens: Double
    private var updatedAt: Double

    /// A full bucket.
    public init(rate: Int, now: Double) {
        self.rate = max(1, rate)
        self.tokens = Double(max(1, rate))
        self.updatedAt = now
    }

    private var capacity: Double { Double(rate) }

    /// Takes `count` tokens at `now`, or none.
    public mutating func take(_ count: Int, at now: Double) -> Decision {
        refill(at: now)
        let wanted = Double(max(0, count))
        if wanted <= tokens || tokens >= capacity {
            tokens -= wanted
            return .admitted
        }
        let missing = min(wanted, capacity) - tokens
        let seconds = (missing / capacity).rounded(.up)
        return .refused(retryAfterSeconds: seconds.isFinite && seconds < 86_400 ? max(1, Int(seconds)) : 86_400)
    }

    /// Changes the rate (an override), keeping what is saved up within the new
    /// burst. The time since the last take is refilled at the new rate: the
    /// bucket learns of a change only when next used, not when it was made.
    public mutating func setRate(_ newRate: Int, at now: Double) {
        rate = max(1, newRate)
        tokens = min(tokens, capacity)
        refill(at: now)
    }

    /// Whether the bucket would be full at `now`: then it is the same as a new one.
    public func isFull(at now: Double) -> Bool {
        tokens + max(0, now - updatedAt) * capacity >= capacity
    }

    private mutating func refill(at now: Double) {
        // A clock that steps back adds nothing; it never takes tokens away.
        guard now > updatedAt else { return }
        tokens = min(capacity, tokens + (now - updatedAt) * capacity)
        updatedAt = now
    }
}
