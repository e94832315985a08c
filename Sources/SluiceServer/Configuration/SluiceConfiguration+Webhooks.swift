import Foundation
import SluiceCore

/// Webhook delivery settings (contract sections 9 and 10).
public struct WebhookSettings: Sendable, Equatable {
    /// Seconds between attempts (`SLUICE_WEBHOOKS_RETRY_SECONDS`).
    public var retrySeconds = RetrySchedule.defaultDelays
    /// How long one attempt may take, connect to last byte (`SLUICE_WEBHOOKS_TIMEOUT_SECONDS`).
    public var timeoutSeconds: Double = 15
    /// Whether loopback and private addresses are allowed (`SLUICE_WEBHOOKS_ALLOW_PRIVATE_TARGETS`).
    public var allowPrivateTargets = false
    /// Seconds between passes over the subscriptions and the log; changes
    /// made offline by the CLI take effect within one pass.
    public var pollSeconds: Double = 0.5
    /// Attempts in flight at once for one subscription.
    public var concurrencyPerSubscription = 4

    public init() {}
}

extension SluiceConfiguration {
    static let webhookKeys: Set<String> = [
        "retry_seconds", "timeout_seconds", "allow_private_targets", "poll_seconds", "concurrency_per_subscription",
    ]

    /// The `webhooks:` block of the configuration file.
    mutating func applyWebhooks(yaml root: [String: Any], reader: SettingReader) throws(SluiceError) {
        guard let v = root["webhooks"] else { return }
        let section = try reader.mapping(v, "webhooks", keys: SluiceConfiguration.webhookKeys)
        if let m = section["retry_seconds"] {
            if let list = m as? [Any] {
                webhooks.retrySeconds = try list.map { item throws(SluiceError) in try reader.positiveInt(item, "webhooks.retry_seconds") }
            } else {
                webhooks.retrySeconds = try SluiceConfiguration.retryList(
                    try reader.string(m, "webhooks.retry_seconds"), reader, "webhooks.retry_seconds")
            }
        }
        if let m = section["timeout_seconds"] { webhooks.timeoutSeconds = try reader.positiveDouble(m, "webhooks.timeout_seconds") }
        if let m = section["allow_private_targets"] {
            webhooks.allowPrivateTargets = try SluiceConfiguration.flag(m, reader, "webhooks.allow_private_targets")
        }
        if let m = section["poll_seconds"] { webhooks.pollSeconds = try reader.positiveDouble(m, "webhooks.poll_seconds") }
        if let m = section["concurrency_per_subscription"] {
            webhooks.concurrencyPerSubscription = try reader.positiveInt(m, "webhooks.concurrency_per_subscription")
        }
    }

    /// The `SLUICE_WEBHOOKS_*` variables.
    mutating func applyWebhooks(environment env: [String: String], reader: SettingReader) throws(SluiceError) {
        if let v = env["SLUICE_WEBHOOKS_RETRY_SECONDS"] {
            webhooks.retrySeconds = try SluiceConfiguration.retryList(v, reader, "SLUICE_WEBHOOKS_RETRY_SECONDS")
        }
        if let v = env["SLUICE_WEBHOOKS_TIMEOUT_SECONDS"] {
            webhooks.timeoutSeconds = try reader.positiveDouble(v, "SLUICE_WEBHOOKS_TIMEOUT_SECONDS")
        }
        if let v = env["SLUICE_WEBHOOKS_ALLOW_PRIVATE_TARGETS"] {
            webhooks.allowPrivateTargets = try SluiceConfiguration.flag(v, reader, "SLUICE_WEBHOOKS_ALLOW_PRIVATE_TARGETS")
        }
    }

    /// `5,300,1800`: at least one delay, each a positive number of seconds, at most 32.
    static func retryList(_ text: String, _ reader: SettingReader, _ name: String) throws(SluiceError) -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty, parts.count <= 32 else { throw reader.fail(name, "must be 1 to 32 comma-separated delays in seconds") }
        return try parts.map { part throws(SluiceError) in try reader.positiveInt(part, name) }
    }

    static func flag(_ value: Any, _ reader: SettingReader, _ name: String) throws(SluiceError) -> Bool {
        if let b = value as? Bool { return b }
        switch (value as? String)?.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw reader.fail(name, "must be true or false")
        }
    }
}
