import SluiceCore

/// A wake-up from the store after a commit, possibly on another node: which
/// circles' logs grew and whether the change feed did. It never carries the
/// rows themselves (PostgreSQL's NOTIFY payloads stop at 8,000 bytes and are
/// not durable); the woken reader reads them from the store.
public struct StoreWakeup: Sendable, Equatable {
    /// Circles whose logs grew; nil when any may have (too many to name, or
    /// after the wake-up channel was re-established and some may be lost).
    public let circles: Set<CircleID>?
    /// Whether the change feed grew (or may have).
    public let changes: Bool

    public init(circles: Set<CircleID>?, changes: Bool) {
        self.circles = circles
        self.changes = changes
    }

    /// Anything may have changed: read everything once.
    public static let everything = StoreWakeup(circles: nil, changes: true)
}
