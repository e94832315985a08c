/// How often and how patiently a request is tried again after a connection
/// error or a 5xx: exponential backoff with jitter, so many clients that lost
/// the same gateway do not all come back in the same instant.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included (1: never retry).
    public var maximumAttempts: Int
    public var initialDelay: Duration
    public var maximumDelay: Duration

    public init(maximumAttempts: Int = 5, initialDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(10)) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// Try once.
    public static let never = RetryPolicy(maximumAttempts: 1)

    /// The pause before attempt `attempt + 1` (attempt counts from 1): twice
    /// the previous one, capped, then scaled by a random 50-100 %.
    public func delay(after attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, min(attempt, 30)) where delay < maximumDelay { delay *= 2 }
        delay = min(delay, maximumDelay)
        return delay * Double.random(in: 0.5...1.0)
    }
}
