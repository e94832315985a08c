import ArgumentParser
import Foundation
import SluiceClient
import SluiceCore
import SluiceCrypto
import SluiceServer
import SluiceStore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, revoke and rotate API keys.", subcommands: [Create.self, List.self, Revoke.self, Rotate.self, Generate.self])

    /// The circle of a call over `--url`, where platform keys are not managed.
    static func remoteCircle(_ circle: String?) throws -> String {
        guard let circle else { throw ValidationError("--circle is required with --url") }
        return circle
    }

    /// What creation and rotation print: the whole key, the one time it is shown.
    static func summary(_ verb: String, _ key: APIKey) -> String {
        """
        \(verb) key \(key.id)\(key.circle.map { " in circle \($0)" } ?? " (platform)")
        \(Table.fields([
            ("key", key.key ?? "-"), ("name", key.name ?? "-"), ("scopes", Table.list(key.scopes)),
            ("subjects", Table.list(key.subjects)), ("face", key.face), ("expires", key.expiresAt ?? "never"),
        ]))
        The key is shown only this once: keep it safe.
        """
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; the whole key is printed once.")
        @OptionGroup var target: Target
        @Option(help: "The circle (omit with --platform).") var circle: String?
        @Flag(help: "A platform key (no circle; offline only).") var platform = false
        @Option(parsing: .upToNextOption, help: "Scopes, such as events:read events:publish.") var scopes: [String]
        @Option(parsing: .upToNextOption, help: "Subject patterns the key is restricted to (default >).") var subjects: [String] = []
        @Option(help: "Face the key's streams read through.") var face = "member"
        @Option(help: "A name for the key.") var name: String?
        @Option(help: "Expire after this many seconds.") var expiresIn: Int?

        func run() async throws {
            let key: APIKey
            if target.isRemote {
                let circle = try Keys.remoteCircle(circle)
                key = try await target.remote { client in
                    try await client.createKey(
                        in: circle, scopes: scopes, subjects: subjects.isEmpty ? nil : subjects, face: face, name: name,
                        expiresInSeconds: expiresIn)
                }
            } else {
                guard platform != (circle != nil) else { throw ValidationError("give exactly one of --circle and --platform") }
                let circleID = try circle.map(parseCircle)
                let issued = try await target.offline { administration in
                    var request = KeyRequest(
                        name: name, scopes: try Scope.parseList(scopes, field: "scopes"), face: face, expiresInSeconds: expiresIn)
                    if !subjects.isEmpty { request.subjects = try PatternList(subjects, field: "subjects") }
                    return try await administration.keys.create(request, in: circleID, by: nil)
                }
                key = try typed(KeyDescription.json(issued.record, key: issued.key.text), APIKey.init)
            }
            target.show(key.json) { Keys.summary("created", key) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var target: Target
        @Option(help: "The circle (omit for platform keys, offline only).") var circle: String?

        func run() async throws {
            let keys: [APIKey]
            if target.isRemote {
                let circle = try Keys.remoteCircle(circle)
                keys = try await target.remote { try await $0.keys(in: circle) }
            } else {
                let circleID = try circle.map(parseCircle)
                let records = try await target.offline { try await $0.keys.list(in: circleID, by: nil) }
                keys = try records.map { try typed(KeyDescription.json($0, key: nil), APIKey.init) }
            }
            target.show(.object([("keys", .array(keys.map(\.json)))])) {
                Table.columns(
                    ["ID", "NAME", "SCOPES", "SUBJECTS", "FACE", "EXPIRES", "LAST USED", "REVOKED"],
                    keys.map { key in
                        [
                            key.id, key.name ?? "-", Table.list(key.scopes), Table.list(key.subjects), key.face, key.expiresAt ?? "never",
                            key.lastUsedAt ?? "-", key.revokedAt ?? "-",
                        ]
                    })
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once.")
        @OptionGroup var target: Target
        @Option(help: "The key's circle (required with --url).") var circle: String?
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                let circle = try Keys.remoteCircle(circle)
                try await target.remote { try await $0.revokeKey(id, in: circle) }
            } else {
                let circleID = try circle.map(parseCircle)
                try await target.offline { try await $0.keys.revoke(id: id, in: circleID, by: nil) }
            }
            target.show(.object([("revoked", .string(id))])) { "revoked key \(id)" }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a key a new secret; the old one stops working at once.")
        @OptionGroup var target: Target
        @Option(help: "The key's circle (required with --url).") var circle: String?
        @Argument var id: String

        func run() async throws {
            let key: APIKey
            if target.isRemote {
                let circle = try Keys.remoteCircle(circle)
                key = try await target.remote { try await $0.rotateKey(id, in: circle) }
            } else {
                let circleID = try circle.map(parseCircle)
                let rotated = try await target.offline { try await $0.keys.rotate(id: id, in: circleID, by: nil) }
                key = try typed(KeyDescription.json(rotated.record, key: rotated.key.text), APIKey.init)
            }
            target.show(key.json) { Keys.summary("rotated", key) }
        }
    }

    /// Offline and touching no database: a key for `SLUICE_ADMIN_KEY` in scripted set-ups.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a fresh well-formed key (slk_ + 12 lowercase alphanumerics + _ + 40 alphanumerics); stores nothing.")

        func run() {
            var generator = SystemRandomNumberGenerator()
            Output.line(APIKeyToken.generate(using: &generator).text)
        }
    }
}
