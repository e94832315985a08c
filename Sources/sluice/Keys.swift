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
            var members: [(String, JSONValue)] = [("scopes", .array(scopes.map(JSONValue.string))), ("face", .string(face))]
            if !subjects.isEmpty { members.append(("subjects", .array(subjects.map(JSONValue.string)))) }
            if let name { members.append(("name", .string(name))) }
            if let expiresIn { members.append(("expires_in_seconds", .number(String(expiresIn)))) }
            let body = JSONValue.object(members)
            if target.isRemote {
                Output.line(try await target.call(.POST, Keys.path(circle), body: body).jsonText)
                return
            }
            guard platform != (circle != nil) else { throw ValidationError("give exactly one of --circle and --platform") }
            let circleID = try circle.map(parseCircle)
            let store = try target.store()
            if let circleID, try await !store.circleExists(circleID) { throw ValidationError("no circle '\(circleID)'") }
            do {
                let (record, token) = try KeyIssuer.issue(body: body, circle: circleID, grantor: nil, now: now())
                try await store.insertKey(record)
                Output.line(KeyIssuer.describe(record, key: token.text).jsonText)
            } catch let error as SluiceError {
                throw ValidationError(error.detail)
            }
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
            for key in try await target.store().keys(in: try circle.map(parseCircle)) {
                Output.line(KeyIssuer.describe(key, key: nil).jsonText)
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
                guard try await target.store().revokeKey(id: id, at: now()) else { throw ValidationError("no live key '\(id)'") }
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
            let store = try target.store()
            guard let record = try await store.key(id: id), record.revokedAt == nil,
                let (rotated, token) = try await KeyIssuer.rotate(record, store: store)
            else { throw ValidationError("no live key '\(id)'") }
            Output.line(KeyIssuer.describe(rotated, key: token.text).jsonText)
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
