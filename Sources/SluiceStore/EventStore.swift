import SluiceCore

/// The one narrow storage protocol every engine implements (SQLite now,
/// PostgreSQL later). Every engine passes the same suite in `SluiceStoreTests`.
public protocol EventStore: Sendable {
    // MARK: Circles

    /// Creates a circle, with an optional display name and a new
    /// incarnation; false when it already exists.
    func createCircle(_ circle: CircleID, name: String?, at: Timestamp) async throws -> Bool
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
    /// request succeeds or fails alone, all-or-nothing within itself; a
    /// request with an idempotency claim records its answer in that same
    /// transaction, or replays the answer recorded before.
    func append(_ requests: [AppendRequest], at: Timestamp) async throws -> [AppendOutcome]
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

    // MARK: Security: circle incarnations and the change feed

    /// Every circle's current incarnation, for the gateway's in-memory directory.
    func circleIncarnations() async throws -> [CircleID: String]
    /// Changes with an id above `after`, oldest first, at most `limit`.
    /// Every mutation of circles, keys and share tokens writes its change in
    /// its own transaction; an engine must hand changes out in id order with
    /// no id appearing after a larger one was read (SQLite's single writer
    /// gives that; PostgreSQL needs the commit order, e.g. one lock per write).
    func changes(after id: Int64, limit: Int) async throws -> [Change]
    /// The newest change id (0 before any): where a gateway starts following.
    func latestChangeID() async throws -> Int64
    /// Records a change of a kind whose mutation has no call above (such as a
    /// webhook change), in a transaction of its own.
    func recordChange(_ kind: Change.Kind, circle: CircleID?, subject: String?, at: Timestamp) async throws
    /// Removes changes older than `before`, always keeping the newest; returns how many.
    func trimChanges(before: Timestamp) async throws -> Int

    // MARK: Ingest (idempotency keys, fairness limits)

    /// The answer recorded for `claim`'s key within its lifetime at `now`:
    /// `.replayed`, or `.refused(idempotency_mismatch)` for another body; nil when none.
    func idempotentAnswer(circle: CircleID, claim: IdempotencyClaim, now: Timestamp) async throws -> AppendOutcome?
    /// Deletes up to `limit` idempotency records created before `before`; returns how many.
    func expireIdempotencyKeys(before: Timestamp, limit: Int) async throws -> Int
    /// Every circle's limit overrides (only circles that have one).
    func circleLimits() async throws -> [CircleID: CircleLimitsRecord]
    /// Replaces a circle's overrides; false when the circle does not exist.
    func setCircleLimits(_ limits: CircleLimitsRecord, for circle: CircleID, at: Timestamp) async throws -> Bool

    // MARK: Clients (runs and circle names)

    /// The state of run `id` from the run index; nil for a run with no event.
    func run(in circle: CircleID, id: String) async throws -> RunRecord?
    /// A circle with its display name; nil when absent.
    func namedCircle(_ circle: CircleID) async throws -> NamedCircle?
    /// Display names of the circles that have one.
    func circleNames() async throws -> [CircleID: String]

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

    // MARK: Several nodes (contract section 11)

    /// True when other gateway processes may write the same database
    /// (PostgreSQL): a gateway then follows events committed elsewhere and
    /// keeps the cluster-wide rules (connection slots, leases) in the store.
    /// False for SQLite, whose one gateway keeps them in memory.
    var isShared: Bool { get }
    /// Wake-ups after commits, this process's and every other's: at most one
    /// per committed transaction, never carrying event data. A reader woken
    /// reads the committed rows (`events(in:after:limit:)`, `changes(after:limit:)`);
    /// a lost wake-up costs latency only, since readers poll as well. The
    /// stream finishes at once on an engine without cross-process wake-ups
    /// (SQLite), and when the store closes.
    func wakeups() -> AsyncStream<StoreWakeup>
    /// Returns when the database answers now; throws `unavailable` when it does not (for `/readyz`).
    func checkAvailable() async throws
    /// Takes or renews lease `name` for `holder` until `until`. True when
    /// `holder` holds it after the call: it was free, had expired at `now`,
    /// or was `holder`'s already. One holder at a time across every node
    /// (retention, each webhook subscription's deliveries).
    func acquireLease(_ name: String, holder: String, until: Timestamp, now: Timestamp) async throws -> Bool
    /// Gives up a lease `holder` holds (at shutdown); nothing when it does not hold it.
    func releaseLease(_ name: String, holder: String) async throws
    /// Takes one of `maximum` connection slots of `credential` (a share
    /// token's jti) for `holder` until `until`, counting the slots of every
    /// node not expired at `now`; nil when all are taken. Returns the slot's id.
    func acquireSlot(credential: String, holder: String, maximum: Int, until: Timestamp, now: Timestamp) async throws -> Int64?
    /// Frees one slot (its stream ended); nothing when it is gone.
    func releaseSlot(id: Int64) async throws
    /// Extends every slot of `holder` to `until` (each node renews its own;
    /// a node that vanishes stops renewing, and its slots expire).
    func renewSlots(holder: String, until: Timestamp) async throws
    /// Ends the store's background work (PostgreSQL's pool and wake-up
    /// listener) and finishes its wake-up streams; the owner awaits it after
    /// the last call. Nothing to do for SQLite.
    func shutdown() async
}

extension EventStore {
    /// An engine with no background work has nothing to end.
    public func shutdown() async {}

    /// Creates a circle without a display name; false when it already exists.
    public func createCircle(_ circle: CircleID, at: Timestamp) async throws -> Bool {
        try await createCircle(circle, name: nil, at: at)
    }
}
