import Foundation
import SluiceCore
import SluiceCrypto
import SluiceStore

/// Every operation on webhook subscriptions (contract section 10), in one
/// place as typed calls: the routes and the offline CLI are thin callers.
/// `grantor` is the authenticated principal, or nil for the operator at the
/// command line.
public struct WebhookOperations: Sendable {
    let store: any EventStore
    let policies: PolicySet
    let settings: WebhookSettings
    let now: Timestamp

    public init(store: any EventStore, policies: PolicySet, settings: WebhookSettings, now: Timestamp) {
        self.store = store
        self.policies = policies
        self.settings = settings
        self.now = now
    }

    /// How long the secret before a rotation keeps signing.
    public static let rotationOverlapMilliseconds: Int64 = 86_400_000
    public static let maximumDescriptionBytes = 512

    /// A subscription with its delivery counts, as listings show it.
    public struct Listed: Sendable {
        public let record: WebhookRecord
        public let counts: DeliveryCounts
    }

    public func create(circle: CircleID, _ draft: WebhookDraft, grantor: Principal?) async throws -> (WebhookRecord, WebhookSecret) {
        guard let url = draft.url else { throw SluiceError.invalidField("url", "is required") }
        let subjects = draft.subjects ?? .all
        let face = draft.face ?? Face.defaultName
        try checkFace(face, circle: circle)
        try WebhookGrant.check(grantor: grantor, circle: circle, subjects: subjects, face: face)
        let description = try checkDescription(draft.description ?? nil)
        _ = try await WebhookTarget.check(url, allowPrivate: settings.allowPrivateTargets)
        guard try await store.circleExists(circle) else { throw SluiceError.notFound("no such circle") }
        let secret = WebhookSecret.generate()
        let record = WebhookRecord(
            id: "wh_" + SecretDigest.hex(SecretDigest.randomBytes(12)), circle: circle, url: url, subjects: subjects, face: face,
            description: description, secret: secret.text, cursor: try await store.bounds(of: circle).latest, createdAt: now)
        try await store.insertWebhook(record)
        return (record, secret)
    }

    public func list(circle: CircleID) async throws -> [Listed] {
        var out: [Listed] = []
        for record in try await store.webhooks(in: circle) {
            out.append(Listed(record: record, counts: try await store.deliveryCounts(webhook: record.id)))
        }
        return out
    }

    public func get(circle: CircleID, id: String) async throws -> Listed {
        let record = try await find(circle: circle, id: id)
        return Listed(record: record, counts: try await store.deliveryCounts(webhook: record.id))
    }

    public func update(circle: CircleID, id: String, _ draft: WebhookDraft, grantor: Principal?) async throws -> Listed {
        var record = try await find(circle: circle, id: id)
        try WebhookGrant.check(grantor: grantor, circle: circle, subjects: record.subjects, face: record.face)
        if let subjects = draft.subjects { record.subjects = subjects }
        if let face = draft.face {
            try checkFace(face, circle: circle)
            record.face = face
        }
        try WebhookGrant.check(grantor: grantor, circle: circle, subjects: record.subjects, face: record.face)
        if let description = draft.description { record.description = try checkDescription(description) }
        if let url = draft.url {
            _ = try await WebhookTarget.check(url, allowPrivate: settings.allowPrivateTargets)
            record.url = url
        }
        if let enabled = draft.enabled, enabled != record.enabled {
            record.enabled = enabled
            record.disabledReason = enabled ? nil : "manual"
        }
        guard try await store.updateWebhook(record) else { throw SluiceError.notFound("no such webhook") }
        return try await get(circle: circle, id: id)
    }

    public func delete(circle: CircleID, id: String, grantor: Principal?) async throws {
        let record = try await find(circle: circle, id: id)
        try WebhookGrant.check(grantor: grantor, circle: circle, subjects: record.subjects, face: record.face)
        guard try await store.deleteWebhook(circle: circle, id: id) else { throw SluiceError.notFound("no such webhook") }
    }

    /// A new secret; the one it replaces keeps signing for 24 hours.
    public func rotate(circle: CircleID, id: String, grantor: Principal?) async throws -> (WebhookRecord, WebhookSecret) {
        var record = try await find(circle: circle, id: id)
        try WebhookGrant.check(grantor: grantor, circle: circle, subjects: record.subjects, face: record.face)
        let secret = WebhookSecret.generate()
        record.previousSecret = record.secret
        record.previousSecretUntil = Timestamp(milliseconds: now.milliseconds + WebhookOperations.rotationOverlapMilliseconds)
        record.secret = secret.text
        guard try await store.updateWebhook(record) else { throw SluiceError.notFound("no such webhook") }
        return (record, secret)
    }

    public func deliveries(circle: CircleID, id: String, status: DeliveryStatus?, limit: Int = 100) async throws -> [DeliveryRecord] {
        let record = try await find(circle: circle, id: id)
        return try await store.deliveries(webhook: record.id, status: status, limit: min(max(limit, 1), 1000))
    }

    /// Where a replay starts: after an event id, or after a time.
    public enum ReplayPoint: Sendable {
        case afterID(Int64)
        case since(Timestamp)
    }

    /// Delivers every retained event of the subscription after `point` again;
    /// returns the sequence it replays after.
    @discardableResult
    public func replay(circle: CircleID, id: String, from point: ReplayPoint, grantor: Principal?) async throws -> Int64 {
        let record = try await find(circle: circle, id: id)
        try WebhookGrant.check(grantor: grantor, circle: circle, subjects: record.subjects, face: record.face)
        let after: Int64
        switch point {
        case .afterID(let sequence):
            guard sequence >= 0 else { throw SluiceError.invalidField("after_id", "must be an event id") }
            guard sequence <= (try await store.bounds(of: circle).latest) else {
                throw SluiceError.invalidField("after_id", "is beyond the newest event")
            }
            after = sequence
        case .since(let time):
            after = try await store.sequence(in: circle, atOrBefore: time)
        }
        guard try await store.rewindWebhook(id: record.id, to: after) else { throw SluiceError.notFound("no such webhook") }
        return after
    }

    /// The subscription `id` of `circle`; another circle's answers 404 like an unknown one.
    func find(circle: CircleID, id: String) async throws -> WebhookRecord {
        guard let record = try await store.webhook(id: id), record.circle == circle else { throw SluiceError.notFound("no such webhook") }
        return record
    }

    func checkFace(_ face: String, circle: CircleID) throws(SluiceError) {
        guard Face.isValidName(face), policies.face(face, for: circle) != nil else {
            throw .invalidField("face", "must name a face defined for this circle")
        }
    }

    func checkDescription(_ text: String?) throws(SluiceError) -> String? {
        guard let text else { return nil }
        guard text.utf8.count <= WebhookOperations.maximumDescriptionBytes else {
            throw .invalidField("description", "at most \(WebhookOperations.maximumDescriptionBytes) bytes")
        }
        return text
    }
}
