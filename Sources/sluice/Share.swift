import ArgumentParser
import Foundation
import SluiceCore
import SluiceServer
import SluiceStore

struct Share: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mint, list and revoke share tokens.", subcommands: [Mint.self, List.self, Revoke.self])

    struct Mint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mint a share token and print it with its public URL.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Option(help: "The element, such as sales-board.") var element: String
        @Option(help: "The face the token's streams read through.") var purpose: String
        @Option(parsing: .upToNextOption, help: "Subjects within {element}.> (default all of it).") var subjects: [String] = []
        @Option var ttlSeconds: Int?
        @Option var maxConnections: Int?
        @Option(parsing: .upToNextOption) var origins: [String] = []

        func run() async throws {
            if target.isRemote {
                var members: [(String, JSONValue)] = [("element", .string(element)), ("purpose", .string(purpose))]
                if !subjects.isEmpty { members.append(("subjects", .array(subjects.map(JSONValue.string)))) }
                if let ttlSeconds { members.append(("ttl_seconds", .number(String(ttlSeconds)))) }
                if let maxConnections { members.append(("max_connections", .number(String(maxConnections)))) }
                if !origins.isEmpty { members.append(("origins", .array(origins.map(JSONValue.string)))) }
                Output.line(try await target.call(.POST, "/api/\(circle)/_share/mint", body: .object(members)).jsonText)
                return
            }
            let circleID = try parseCircle(circle)
            let baseURL = try target.options.load().baseURL
            let minted = try await target.offline { administration in
                var request = ShareRequest(
                    element: element, purpose: purpose, ttlSeconds: ttlSeconds, maxConnections: maxConnections, origins: origins)
                if !subjects.isEmpty { request.subjects = try PatternList(subjects, field: "subjects") }
                return try await administration.shareTokens.mint(request, in: circleID, by: nil)
            }
            Output.line(minted.token)
            Output.line(ShareMinting.publicURL(minted.record, token: minted.token, baseURL: baseURL))
            Output.line(ShareMinting.embedURL(minted.record, token: minted.token, baseURL: baseURL))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live share tokens (never the tokens themselves).")
        @OptionGroup var target: Target
        @Option var circle: String

        func run() async throws {
            if target.isRemote {
                Output.line(try await target.call(.GET, "/api/\(circle)/_share").jsonText)
                return
            }
            let circleID = try parseCircle(circle)
            for token in try await target.offline({ try await $0.shareTokens.list(in: circleID, by: nil) }) {
                Output.line("\(token.jti)\t\(token.element)\t\(token.purpose)\t\(token.subjects)\texpires \(token.expiresAt.rfc3339)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a share token; its open streams close within 1 s.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Argument var jti: String

        func run() async throws {
            if target.isRemote {
                _ = try await target.call(.DELETE, "/api/\(circle)/_share/\(jti)")
            } else {
                let circleID = try parseCircle(circle)
                try await target.offline { try await $0.shareTokens.revoke(jti: jti, in: circleID, by: nil) }
            }
            Output.line("revoked \(jti)")
        }
    }
}
