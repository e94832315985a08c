import Foundation

/// What happens after one delivery attempt (contract section 10): success on
/// any 2xx; `410 Gone` disables the subscription; anything else is retried
/// after the next configured delay (plus up to 10 % jitter, or a longer
/// `Retry-After` on 429 and 503) until the delays run out, then `failed`.
/// Pure, so every branch is tested without a network or a clock.
public struct RetrySchedule: Sendable, Equatable {
    /// What one attempt came to.
    public enum Outcome: Sendable, Equatable {
        /// An HTTP answer; `retryAfterSeconds` when it carried a usable `Retry-After`.
        case status(Int, retryAfterSeconds: Int64?)
        /// No HTTP answer: a timeout, a refused connection, a refused address.
        case error(String)
    }

    /// What to do with the delivery next.
    public enum Decision: Sendable, Equatable {
        case succeeded
        /// Try again at this time (milliseconds since the epoch).
        case retry(atMilliseconds: Int64)
        case failed
        /// The endpoint answered 410: fail this delivery and disable the subscription.
        case gone
    }

    /// Seconds to wait before each retry; the first attempt is immediate.
    public let delays: [Int]
    /// The most jitter added to a delay, as a fraction of it.
    public static let maximumJitter = 0.1
    /// A `Retry-After` longer than this is cut to it, so a hostile endpoint
    /// cannot park a delivery for years.
    public static let longestRetryAfterSeconds: Int64 = 86_400

    public static let defaultDelays = [5, 300, 1800, 7200, 18000, 36000, 36000]

    public init(delays: [Int] = RetrySchedule.defaultDelays) {
        self.delays = delays
    }

    /// The decision after attempt number `attempt` (1 for the first) ended in
    /// `outcome` at `now`; `jitter` in 0...1 scales the 10 % jitter.
    public func decide(attempt: Int, outcome: Outcome, nowMilliseconds now: Int64, jitter: Double) -> Decision {
        var retryAfter: Int64?
        switch outcome {
        case .status(let code, let after):
            if (200..<300).contains(code) { return .succeeded }
            if code == 410 { return .gone }
            if code == 429 || code == 503 { retryAfter = after.map { min(max($0, 0), RetrySchedule.longestRetryAfterSeconds) } }
        case .error:
            break
        }
        guard attempt >= 1, attempt <= delays.count else { return .failed }
        let base = Double(max(delays[attempt - 1], 0))
        let jittered = base * (1 + RetrySchedule.maximumJitter * min(max(jitter, 0), 1))
        var waitMilliseconds = Int64((jittered * 1000).rounded())
        if let retryAfter, retryAfter * 1000 > waitMilliseconds { waitMilliseconds = retryAfter * 1000 }
        return .retry(atMilliseconds: now + waitMilliseconds)
    }

    /// How long a subscription may fail every delivery before it is disabled.
    public static let failingLimitMilliseconds: Int64 = 5 * 86_400_000

    /// Whether a subscription failing since `failingSince` must be disabled at `now`.
    public static func shouldDisable(failingSinceMilliseconds failingSince: Int64?, nowMilliseconds now: Int64) -> Bool {
        guard let failingSince else { return false }
        return now - failingSince >= failingLimitMilliseconds
    }

    /// Parses a `Retry-After` value given in seconds (the HTTP-date form is
    /// parsed by the caller, which has a calendar); nil when it is not one.
    public static func retryAfterSeconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 12, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(trimmed)
    }
}
