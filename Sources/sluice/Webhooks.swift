import ArgumentParser
import Foundation
import SluiceClient
import SluiceCore
import SluiceServer
import SluiceStore

/// `sluice webhooks ...`: the webhook subscriptions of a circle, offline on
/// the configured database through `WebhookOperations`, or over HTTP with
/// `--url` through SluiceClient. Both print the API's JSON with `--json`,
/// else a readable table or summary.
struct Webhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, delete and rotate webhook subscriptions; see and replay their deliveries.",
        subcommands: [Create.self, List.self, Get.self, Delete.self, Rotate.self, Deliveries.self, Replay.self])

    /// One subscription for people: its fields, the secret only when given.
    static func summary(_ webhook: JSONValue) -> String {
        var pairs: [(String, String)] = [
            ("id", webhook["id"]?.stringValue ?? "-"), ("url", webhook["url"]?.stringValue ?? "-"),
            ("subjects", Table.list(webhook["subjects"]?.arrayValues?.compactMap(\.stringValue) ?? [])),
            ("face", webhook["face"]?.stringValue ?? "-"), ("enabled", webhook["enabled"] == .bool(false) ? "no" : "yes"),
        ]
        if let reason = webhook["disabled_reason"]?.stringValue { pairs.append(("disabled", reason)) }
        if let secret = webhook["secret"]?.stringValue { pairs.append(("secret", secret)) }
        let text = Table.fields(pairs)
        return webhook["secret"]?.stringValue == nil ? text : text + "\nThe secret is shown only this once: keep it safe."
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a subscription; its secret is printed once.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Option(name: .customLong("endpoint"), help: "The URL events are POSTed to.") var endpoint: String
        @Option(parsing: .upToNextOption, help: "Subject patterns (default >).") var subjects: [String] = []
        @Option(help: "The face events are read through.") var face = "member"
        @Option var description: String?

        func run() async throws {
            let created: JSONValue
            if target.isRemote {
                created = try await target.remote { client in
                    try await client.createWebhook(
                        in: circle, url: endpoint, subjects: subjects.isEmpty ? nil : subjects, face: face, description: description
                    ).json
                }
            } else {
                let circleID = try parseCircle(circle)
                created = try await target.offline { administration in
                    let patterns = subjects.isEmpty ? nil : try PatternList(subjects, field: "subjects")
                    let draft = WebhookDraft(url: endpoint, subjects: patterns, face: face, description: .some(description))
                    let (record, secret) = try await administration.webhooks.create(circle: circleID, draft, grantor: nil)
                    return WebhookJSON.describe(record, counts: nil, secret: secret.text)
                }
            }
            target.show(created) { "created webhook\n" + Webhooks.summary(created) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions (never their secrets).")
        @OptionGroup var target: Target
        @Option var circle: String

        func run() async throws {
            let webhooks: [JSONValue]
            if target.isRemote {
                webhooks = try await target.remote { try await $0.webhooks(in: circle).map(\.json) }
            } else {
                let circleID = try parseCircle(circle)
                webhooks = try await target.offline { try await $0.webhooks.list(circle: circleID) }.map {
                    WebhookJSON.describe($0.record, counts: $0.counts)
                }
            }
            target.show(.object([("webhooks", .array(webhooks))])) {
                Table.columns(
                    ["ID", "URL", "SUBJECTS", "FACE", "ENABLED", "PENDING", "FAILED"],
                    webhooks.map { webhook in
                        [
                            webhook["id"]?.stringValue ?? "-", webhook["url"]?.stringValue ?? "-",
                            Table.list(webhook["subjects"]?.arrayValues?.compactMap(\.stringValue) ?? []),
                            webhook["face"]?.stringValue ?? "-",
                            webhook["enabled"] == .bool(false) ? "no (\(webhook["disabled_reason"]?.stringValue ?? "-"))" : "yes",
                            webhook["pending_deliveries"]?.intValue.map(String.init) ?? "-",
                            webhook["failed_deliveries"]?.intValue.map(String.init) ?? "-",
                        ]
                    })
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one subscription.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Argument var id: String

        func run() async throws {
            let webhook: JSONValue
            if target.isRemote {
                webhook = try await target.remote { try await $0.webhook(id, in: circle).json }
            } else {
                let circleID = try parseCircle(circle)
                let listed = try await target.offline { try await $0.webhooks.get(circle: circleID, id: id) }
                webhook = WebhookJSON.describe(listed.record, counts: listed.counts)
            }
            target.show(webhook) { Webhooks.summary(webhook) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a subscription; nothing more is sent to it.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                try await target.remote { try await $0.deleteWebhook(id, in: circle) }
            } else {
                let circleID = try parseCircle(circle)
                try await target.offline { try await $0.webhooks.delete(circle: circleID, id: id, grantor: nil) }
            }
            target.show(.object([("deleted", .string(id))])) { "deleted webhook \(id)" }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a subscription a new secret (printed once); the old one also signs for 24 hours.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Argument var id: String

        func run() async throws {
            let rotated: JSONValue
            if target.isRemote {
                rotated = try await target.remote { try await $0.rotateWebhookSecret(id, in: circle).json }
            } else {
                let circleID = try parseCircle(circle)
                let (record, secret) = try await target.offline { try await $0.webhooks.rotate(circle: circleID, id: id, grantor: nil) }
                rotated = WebhookJSON.describe(record, counts: nil, secret: secret.text)
            }
            target.show(rotated) { "rotated the secret of webhook \(id); the old one also signs for 24 h\n" + Webhooks.summary(rotated) }
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recent deliveries of a subscription, newest first.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Option(help: "pending, failed or succeeded.") var status: String?
        @Option var limit = 100
        @Argument var id: String

        func run() async throws {
            let deliveries: [JSONValue]
            if target.isRemote {
                deliveries = try await target.remote { try await $0.webhookDeliveries(id, in: circle, status: status) }
            } else {
                let circleID = try parseCircle(circle)
                deliveries = try await target.offline {
                    try await $0.webhooks.deliveries(circle: circleID, id: id, status: try WebhookJSON.status(status), limit: limit)
                }.map(WebhookJSON.describe)
            }
            let shown = Array(deliveries.prefix(max(0, limit)))
            target.show(.object([("deliveries", .array(shown))])) {
                Table.columns(
                    ["EVENT", "STATUS", "ATTEMPTS", "LAST", "NEXT ATTEMPT"],
                    shown.map { delivery in
                        let last = delivery["last_status"]?.intValue.map(String.init) ?? delivery["last_error"]?.stringValue ?? "-"
                        return [
                            delivery["event_id"]?.stringValue ?? "-", delivery["status"]?.stringValue ?? "-",
                            delivery["attempts"]?.intValue.map(String.init) ?? "0", last, delivery["next_attempt_at"]?.stringValue ?? "-",
                        ]
                    })
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver every retained event after an id or a time again.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Option(help: "Replay the events after this id.") var afterId: String?
        @Option(help: "Replay the events after this RFC 3339 time.") var since: String?
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                try await target.remote { try await $0.replayWebhook(id, in: circle, afterID: afterId, since: since) }
                target.show(.object([("replaying", .string(id))])) { "replaying webhook \(id)" }
                return
            }
            var members: [(String, JSONValue)] = []
            if let afterId { members.append(("after_id", .string(afterId))) }
            if let since { members.append(("since", .string(since))) }
            let circleID = try parseCircle(circle)
            let after = try await target.offline {
                try await $0.webhooks.replay(circle: circleID, id: id, from: try WebhookJSON.replayPoint(.object(members)), grantor: nil)
            }
            target.show(.object([("replaying", .string(id)), ("after_id", .string(String(after)))])) {
                "replaying webhook \(id) after event \(after)"
            }
        }
    }
}
