import ArgumentParser
import Foundation
import SluiceClient
import SluiceCore
import SluiceServer
import SluiceStore

struct Share: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mint, list and revoke share tokens.", subcommands: [Mint.self, List.self, Revoke.self])

    struct Mint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mint a share token and print it with its public URLs.")
        @OptionGroup var target: Target
        @Option var circle: String
        @Option(help: "The element, such as sales-board.") var element: String
        @Option(help: "The face the token's streams read through.") var purpose: String
        @Option(parsing: .upToNextOption, help: "Subjects within {element}.> (default all of it).") var subjects: [String] = []
        @Option var ttlSeconds: Int?
        @Option var maxConnections: Int?
        @Option(parsing: .upToNextOption) var origins: [String] = []

        func run() async throws {
            let token: ShareToken
            if target.isRemote {
                token = try await target.remote { client in
                    try await client.mintShareToken(
                        in: circle, element: element, purpose: purpose, subjects: subjects.isEmpty ? nil : subjects, ttlSeconds: ttlSeconds,
                        maxConnections: maxConnections, origins: origins.isEmpty ? nil : origins)
                }
            } else {
                let circleID = try parseCircle(circle)
                let baseURL = try target.options.load().baseURL
                let minted = try await target.offline { administration in
                    var request = ShareRequest(
                        element: element, purpose: purpose, ttlSeconds: ttlSeconds, maxConnections: maxConnections, origins: origins)
                    if !subjects.isEmpty { request.subjects = try PatternList(subjects, field: "subjects") }
                    return try await administration.shareTokens.mint(request, in: circleID, by: nil)
                }
                token = try typed(ShareMinting.minted(minted.record, token: minted.token, baseURL: baseURL), ShareToken.init)
            }
            target.show(token.json) {
                """
                minted share token \(token.jti) for \(element) through face \(purpose)
                \(Table.fields([
                    ("token", token.token ?? "-"), ("public URL", token.url ?? "-"), ("widget", token.embedURL ?? "-"),
                    ("expires", token.expiresAt),
                ]))
                The token is shown only this once: keep it safe.
                """
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live share tokens (never the tokens themselves).")
        @OptionGroup var target: Target
        @Option var circle: String

        func run() async throws {
            let tokens: [ShareToken]
            if target.isRemote {
                tokens = try await target.remote { try await $0.shareTokens(in: circle) }
            } else {
                let circleID = try parseCircle(circle)
                let records = try await target.offline { try await $0.shareTokens.list(in: circleID, by: nil) }
                // Offline no stream is known: open connections live in the gateway's memory.
                tokens = try records.map { try typed(ShareMinting.describe($0, connections: 0), ShareToken.init) }
            }
            target.show(.object([("tokens", .array(tokens.map(\.json)))])) {
                Table.columns(
                    ["JTI", "ELEMENT", "PURPOSE", "SUBJECTS", "ORIGINS", "CONNECTIONS", "EXPIRES"],
                    tokens.map { token in
                        let strings = { (member: String) in token.json[member]?.arrayValues?.compactMap(\.stringValue) ?? [] }
                        let connections = token.json["connections"]?.intValue ?? 0
                        let maximum = token.json["max_connections"]?.intValue.map(String.init) ?? "-"
                        return [
                            token.jti, token.json["element"]?.stringValue ?? "-", token.json["purpose"]?.stringValue ?? "-",
                            Table.list(strings("subjects")), Table.list(strings("origins")), "\(connections)/\(maximum)", token.expiresAt,
                        ]
                    })
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
                try await target.remote { try await $0.revokeShareToken(jti, in: circle) }
            } else {
                let circleID = try parseCircle(circle)
                try await target.offline { try await $0.shareTokens.revoke(jti: jti, in: circleID, by: nil) }
            }
            target.show(.object([("revoked", .string(jti))])) { "revoked share token \(jti)" }
        }
    }
}
