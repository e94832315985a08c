import ArgumentParser
import Foundation
import SluiceCore
import SluiceServer
import SluiceStore

/// `sluice webhooks ...`: the webhook subscriptions of a circle, offline on
/// the configured database or over HTTP with `--url`. Both go through
/// `WebhookOperations` (offline) or the routes built on it (HTTP).
struct Webhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, delete and rotate webhook subscriptions; see and replay their deliveries.",
        subcommands: [Create.self, List.self, Get.self, Delete.self, Rotate.self, Deliveries.self, Replay.self])

    static func path(_ circle: String, _ suffix: String = "") -> String { "/api/\(circle)/webhooks\(suffix)" }

    /// The operations on the configured database, as the operator (no principal).
    static func operations(_ target: Target) throws -> WebhookOperations {
        let configuration = try target.options.load()
        let policies: PolicySet
        do { policies = try PolicyLoader.load(directory: configuration.policies) } catch {
            throw ValidationError("policies refused: \(error.detail)")
        }
        return WebhookOperations(store: try target.store(), policies: policies, settings: configuration.webhooks, now: now())
    }

    /// Runs an offline operation, turning its error into a message.
    static func offline<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as SluiceError { throw ValidationError(error.detail) }
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
            if target.isRemote {
                var members: [(String, JSONValue)] = [("url", .string(endpoint)), ("face", .string(face))]
                if !subjects.isEmpty { members.append(("subjects", .array(subjects.map(JSONValue.string)))) }
                if let description { members.append(("description", .string(description))) }
                Output.line(try await target.call(.POST, Webhooks.path(circle), body: .object(members)).jsonText)
                return
            }
            let circleID = try parseCircle(circle)
            let operations = try Webhooks.operations(target)
            try await Webhooks.offline {
                let patterns = subjects.isEmpty ? nil : try PatternList(subjects, field: "subjects")
                let draft = WebhookDraft(url: endpoint, subjects: patterns, face: face, description: .some(description))
                let (record, secret) = try await operations.create(circle: circleID, draft, grantor: nil)
                Output.line(WebhookJSON.describe(record, counts: nil, secret: secret.text).jsonText)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions (never their secrets).")
        @OptionGroup var target: Target
        @Option var circle: String

        func run() async throws {
            if target.isRemote {
                Output.line(try await target.call(.GET, Webhooks.path(circle)).jsonText)
                return
            }
            let circleID = try parseCircle(circle)
            let operations = try Webhooks.operations(target)
            for listed in try await Webhooks.offline({ try await operations.list(circle: circleID) }) {
                Output.line(WebhookJSON.describe(listed.record, counts: listed.counts).jsonText)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one subscription.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                Output.line(try await target.call(.GET, Webhooks.path(circle, "/\(id)")).jsonText)
                return
            }
            let circleID = try parseCircle(circle)
            let operations = try Webhooks.operations(target)
            let listed = try await Webhooks.offline { try await operations.get(circle: circleID, id: id) }
            Output.line(WebhookJSON.describe(listed.record, counts: listed.counts).jsonText)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a subscription; nothing more is sent to it.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                _ = try await target.call(.DELETE, Webhooks.path(circle, "/\(id)"))
            } else {
                let circleID = try parseCircle(circle)
                let operations = try Webhooks.operations(target)
                try await Webhooks.offline { try await operations.delete(circle: circleID, id: id, grantor: nil) }
            }
            Output.line("deleted \(id)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a subscription a new secret (printed once); the old one also signs for 24 hours.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                Output.line(try await target.call(.POST, Webhooks.path(circle, "/\(id)/rotate")).jsonText)
                return
            }
            let circleID = try parseCircle(circle)
            let operations = try Webhooks.operations(target)
            let (record, secret) = try await Webhooks.offline { try await operations.rotate(circle: circleID, id: id, grantor: nil) }
            Output.line(WebhookJSON.describe(record, counts: nil, secret: secret.text).jsonText)
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
            if target.isRemote {
                var query = "?limit=\(limit)"
                if let status { query += "&status=\(status)" }
                Output.line(try await target.call(.GET, Webhooks.path(circle, "/\(id)/deliveries\(query)")).jsonText)
                return
            }
            let circleID = try parseCircle(circle)
            let operations = try Webhooks.operations(target)
            let records = try await Webhooks.offline {
                try await operations.deliveries(circle: circleID, id: id, status: try WebhookJSON.status(status), limit: limit)
            }
            for record in records { Output.line(WebhookJSON.describe(record).jsonText) }
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
            var members: [(String, JSONValue)] = []
            if let afterId { members.append(("after_id", .string(afterId))) }
            if let since { members.append(("since", .string(since))) }
            let body = JSONValue.object(members)
            if target.isRemote {
                Output.line(try await target.call(.POST, Webhooks.path(circle, "/\(id)/replay"), body: body).jsonText)
                return
            }
            let circleID = try parseCircle(circle)
            let operations = try Webhooks.operations(target)
            let after = try await Webhooks.offline {
                try await operations.replay(circle: circleID, id: id, from: try WebhookJSON.replayPoint(body), grantor: nil)
            }
            Output.line("replaying \(id) after event \(after)")
        }
    }
}
