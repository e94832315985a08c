import Foundation
import SluiceCore
import SluiceStore

/// The shapes the webhook routes and the CLI answer with. A secret appears
/// only when `secret` is given, at creation and rotation.
public enum WebhookJSON {
    public static func describe(_ record: WebhookRecord, counts: DeliveryCounts?, secret: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("id", .string(record.id))]
        if let secret { members.append(("secret", .string(secret))) }
        members += [
            ("circle", .string(record.circle.rawValue)),
            ("url", .string(record.url)),
            ("subjects", .array(record.subjects.strings.map(JSONValue.string))),
            ("face", .string(record.face)),
            ("description", record.description.map(JSONValue.string) ?? .null),
            ("enabled", .bool(record.enabled)),
            ("disabled_reason", record.disabledReason.map(JSONValue.string) ?? .null),
            ("created_at", .string(record.createdAt.rfc3339)),
            ("previous_secret_expires_at", RequestParsing.timestampText(record.previousSecretUntil)),
        ]
        if let counts {
            members += [
                ("pending_deliveries", .number(String(counts.pending))),
                ("failed_deliveries", .number(String(counts.failed))),
            ]
        }
        return .object(members)
    }

    public static func describe(_ delivery: DeliveryRecord) -> JSONValue {
        .object([
            ("event_id", .string(String(delivery.sequence))),
            ("status", .string(delivery.status.rawValue)),
            ("attempts", .number(String(delivery.attempts))),
            ("last_status", delivery.lastStatus.map { .number(String($0)) } ?? .null),
            ("last_error", delivery.lastError.map(JSONValue.string) ?? .null),
            ("last_attempt_at", RequestParsing.timestampText(delivery.lastAttemptAt)),
            ("next_attempt_at", delivery.status == .pending ? RequestParsing.timestampText(delivery.nextAttemptAt) : .null),
            ("created_at", .string(delivery.createdAt.rfc3339)),
        ])
    }

    /// `{"after_id": "41"}` or `{"since": "RFC 3339 time"}`, exactly one.
    public static func replayPoint(_ body: JSONValue) throws(SluiceError) -> WebhookOperations.ReplayPoint {
        try RequestParsing.rejectUnknown(body, allowed: ["after_id", "since"])
        let afterID = try RequestParsing.string(body, "after_id")
        let since = try RequestParsing.string(body, "since")
        switch (afterID, since) {
        case (let id?, nil):
            guard let sequence = Int64(id), sequence >= 0 else { throw .invalidField("after_id", "must be an event id") }
            return .afterID(sequence)
        case (nil, let text?):
            guard let time = parseTime(text) else { throw .invalidField("since", "must be an RFC 3339 time") }
            return .since(time)
        default:
            throw .invalidRequest("give exactly one of after_id and since")
        }
    }

    /// An RFC 3339 time, with or without fractional seconds.
    public static func parseTime(_ text: String) -> Timestamp? {
        guard text.utf8.count <= 64 else { return nil }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        guard let date = fractional.date(from: text) ?? plain.date(from: text) else { return nil }
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite, abs(milliseconds) < 1e15 else { return nil }
        return Timestamp(milliseconds: Int64(milliseconds))
    }

    /// The `status` query of the deliveries route.
    public static func status(_ text: String?) throws(SluiceError) -> DeliveryStatus? {
        guard let text, !text.isEmpty else { return nil }
        guard let status = DeliveryStatus(rawValue: text) else { throw .invalidField("status", "must be pending, failed or succeeded") }
        return status
    }
}
