import ArgumentParser
import Foundation
import SluiceCore
import SluiceCrypto
import SluiceServer
import SluiceStore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, revoke and rotate API keys.", subcommands: [Create.self, List.self, Revoke.self, Rotate.self, Generate.self])

    /// The keys route of `circle` for `--url`, which needs `--circle`.
    static func path(_ circle: String?, _ suffix: String = "") throws -> String {
        guard let circle else { throw ValidationError("--circle is required with --url") }
        return "/api/\(circle)/keys\(suffix)"
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; the whole key is printed once.")
        @OptionGroup var target: Target
        @Option(help: "The circle (omit with --platform).") var circle: String?
        @Flag(help: "A platform key (no circle).") var platform = false
        @Option(parsing: .upToNextOption, help: "Scopes, such as events:read events:publish.") var scopes: [String]
        @Option(parsing: .upToNextOption, help: "Subject patterns the key is restricted to (default >).") var subjects: [String] = []
        @Option(help: "Face the key's streams read through.") var face = "member"
        @Option(help: "A name for the key.") var name: String?
        @Option(help: "Expire after this many seconds.") var expiresIn: Int?

        func run() async throws {
            if target.isRemote {
                var members: [(String, JSONValue)] = [("scopes", .array(scopes.map(JSONValue.string))), ("face", .string(face))]
                if !subjects.isEmpty { members.append(("subjects", .array(subjects.map(JSONValue.string)))) }
                if let name { members.append(("name", .string(name))) }
                if let expiresIn { members.append(("expires_in_seconds", .number(String(expiresIn)))) }
                Output.line(try await target.call(.POST, Keys.path(circle), body: .object(members)).jsonText)
                return
            }
            guard platform != (circle != nil) else { throw ValidationError("give exactly one of --circle and --platform") }
            let circleID = try circle.map(parseCircle)
            let issued = try await target.offline { administration in
                var request = KeyRequest(name: name, scopes: try Scope.parseList(scopes, field: "scopes"), face: face, expiresInSeconds: expiresIn)
                if !subjects.isEmpty { request.subjects = try PatternList(subjects, field: "subjects") }
                return try await administration.keys.create(request, in: circleID, by: nil)
            }
            Output.line(KeyDescription.json(issued.record, key: issued.key.text).jsonText)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var target: Target
        @Option(help: "The circle (omit for platform keys).") var circle: String?

        func run() async throws {
            if target.isRemote {
                Output.line(try await target.call(.GET, Keys.path(circle)).jsonText)
                return
            }
            let circleID = try circle.map(parseCircle)
            for key in try await target.offline({ try await $0.keys.list(in: circleID, by: nil) }) {
                Output.line(KeyDescription.json(key, key: nil).jsonText)
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
                _ = try await target.call(.DELETE, Keys.path(circle, "/\(id)"))
            } else {
                let circleID = try circle.map(parseCircle)
                try await target.offline { try await $0.keys.revoke(id: id, in: circleID, by: nil) }
            }
            Output.line("revoked \(id)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a key a new secret; the old one stops working at once.")
        @OptionGroup var target: Target
        @Option(help: "The key's circle (required with --url).") var circle: String?
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                Output.line(try await target.call(.POST, Keys.path(circle, "/\(id)/rotate")).jsonText)
                return
            }
            let circleID = try circle.map(parseCircle)
            let rotated = try await target.offline { try await $0.keys.rotate(id: id, in: circleID, by: nil) }
            Output.line(KeyDescription.json(rotated.record, key: rotated.key.text).jsonText)
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
