import SluiceCore

/// The one narrow storage protocol every engine implements (SQLite now,
/// PostgreSQL later). Every engine passes the same suite in `SluiceStoreTests`.
public protocol EventStore: Sendable {
    // MARK: Circles

    /// Creates a circle; false when it already exists.
    func createCircle(_ circle: CircleID, at: Timestamp) async throws -> Bool
    func circles() async throws -> [CircleRecord]
    func circleExists(_ circle: CircleID) async throws -> Bool
    /// Deletes a circle with its events, keys and share tokens; false when absent.
    func deleteCircle(_ circle: CircleID) async throws -> Bool

    // MARK: API keys

    func insertKey(_ key: APIKeyRecord) async throws
    func key(id: String) async throws -> APIKeyRecord?
    /// Keys of `circle`, or the platform keys for nil.
    func keys(in circle: CircleID?) async throws -> [APIKeyRecord]
    /// Every key not revoked, for the in-memory cache.
    func activeKeys() async throws -> [APIKeyRecord]
    func revokeKey(id: String, at: Timestamp) async throws -> Bool
    /// Replaces the secret digest of a live key (rotation); false when absent or revoked.
    func replaceKeySecret(id: String, digest: String) async throws -> Bool
    /// Writes `last_used_at` for many keys in one transaction.
    func recordKeyUse(_ uses: [String: Timestamp]) async throws

    // MARK: Events

    /// Appends each request in one durable transaction (group commit). Each
    /// request succeeds or fails alone, all-or-nothing within itself.
    func append(_ requests: [AppendRequest], at: Timestamp) async throws -> [Result<[StoredEvent], SluiceError>]
    /// Retained events of `circle` with sequence > `after`, oldest first.
    func events(in circle: CircleID, after: Int64, limit: Int) async throws -> [StoredEvent]
    /// Retained events of one run with sequence > `after`, oldest first.
    func events(in circle: CircleID, run: String, after: Int64, limit: Int) async throws -> [StoredEvent]
    func bounds(of circle: CircleID) async throws -> LogBounds
    /// Removes events beyond `maxEvents` newest or older than `olderThan`; returns how many.
    func trim(_ circle: CircleID, maxEvents: Int?, olderThan: Timestamp?) async throws -> Int

    // MARK: Share tokens

    func insertShareToken(_ token: ShareTokenRecord) async throws
    func shareToken(jti: String) async throws -> ShareTokenRecord?
    /// Tokens of `circle` not revoked and not expired at `now`.
    func shareTokens(in circle: CircleID, now: Timestamp) async throws -> [ShareTokenRecord]
    func revokeShareToken(circle: CircleID, jti: String, at: Timestamp) async throws -> Bool

    // MARK: Settings

    /// Stores `value` under `name` unless a value is there; returns the stored one.
    func setting(_ name: String, default value: [UInt8]) async throws -> [UInt8]

    // MARK: Webhooks

    func insertWebhook(_ webhook: WebhookRecord) async throws
    func webhook(id: String) async throws -> WebhookRecord?
    /// Subscriptions of `circle`, or of every circle for nil, oldest first.
    func webhooks(in circle: CircleID?) async throws -> [WebhookRecord]
    /// Writes what a caller may change (url, subjects, face, description,
    /// enabled, disabled reason, secrets), never the cursor; re-enabling
    /// clears the failure streak. False when absent.
    func updateWebhook(_ webhook: WebhookRecord) async throws -> Bool
    /// Disables a subscription with `reason`; false when absent or already disabled.
    func disableWebhook(id: String, reason: String) async throws -> Bool
    /// Deletes a subscription and its deliveries; false when absent.
    func deleteWebhook(circle: CircleID, id: String) async throws -> Bool
    /// Adds a pending delivery, due at `at`, for each of `sequences` (or makes
    /// an existing one pending again, from its first attempt) and moves the
    /// cursor from `from` to `to`, in one transaction. False, with nothing
    /// written, when the cursor is no longer `from`.
    func recordScan(webhook: String, from: Int64, to: Int64, sequences: [Int64], at: Timestamp) async throws -> Bool
    /// Moves the cursor back to `sequence` when it is past it, so every later
    /// event is scanned, and delivered, again.
    func rewindWebhook(id: String, to sequence: Int64) async throws -> Bool
    /// Pending deliveries of a subscription due at `now`, soonest first.
    func dueDeliveries(webhook: String, now: Timestamp, limit: Int) async throws -> [DeliveryRecord]
    /// Writes one attempt's result and the subscription's failure streak;
    /// returns the streak's start after the write, or nil when it has none.
    /// Throws `not_found` when the delivery is gone (its subscription deleted).
    func recordAttempt(webhook: String, sequence: Int64, _ attempt: DeliveryAttempt) async throws -> Timestamp?
    /// Recent deliveries of a subscription, newest event first.
    func deliveries(webhook: String, status: DeliveryStatus?, limit: Int) async throws -> [DeliveryRecord]
    func deliveryCounts(webhook: String) async throws -> DeliveryCounts
    /// Pending deliveries per circle, for the gauge.
    func pendingDeliveriesByCircle() async throws -> [CircleID: Int]
    /// Removes finished deliveries of events retention has removed (sequence <= `through`).
    func pruneDeliveries(in circle: CircleID, through: Int64) async throws -> Int
    /// The newest event of `circle` committed at or before `time`, or 0.
    func sequence(in circle: CircleID, atOrBefore time: Timestamp) async throws -> Int64
}
