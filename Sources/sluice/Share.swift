import ArgumentParser
import Foundation
import Logging
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
            var members: [(String, JSONValue)] = [("element", .string(element)), ("purpose", .string(purpose))]
            if !subjects.isEmpty { members.append(("subjects", .array(subjects.map(JSONValue.string)))) }
            if let ttlSeconds { members.append(("ttl_seconds", .number(String(ttlSeconds)))) }
            if let maxConnections { members.append(("max_connections", .number(String(maxConnections)))) }
            if !origins.isEmpty { members.append(("origins", .array(origins.map(JSONValue.string)))) }
            let body = JSONValue.object(members)
            if target.isRemote {
                Output.line(try await target.call(.POST, "/api/\(circle)/_share/mint", body: body).jsonText)
                return
            }
            let configuration = try target.options.load()
            let gateway = try await Gateway.make(configuration: configuration, logger: Logger(label: "sluice")) { key in
                Output.error("Platform key (shown once): \(key)")
            }
            let circleID = try parseCircle(circle)
            guard try await gateway.store.circleExists(circleID) else { throw ValidationError("no circle '\(circle)'") }
            do {
                let record = try ShareMinting.record(
                    body: body, circle: circleID, policies: gateway.policies.snapshot, configuration: configuration, now: now())
                try await gateway.store.insertShareToken(record)
                let token = try gateway.shares.mint(record)
                Output.line(token)
                Output.line(ShareMinting.publicURL(record, token: token, baseURL: configuration.baseURL))
                Output.line(ShareMinting.embedURL(record, token: token, baseURL: configuration.baseURL))
            } catch let error as SluiceError {
                throw ValidationError(error.detail)
            }
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
            for token in try await target.store().shareTokens(in: try parseCircle(circle), now: now()) {
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
                guard try await target.store().revokeShareToken(circle: try parseCircle(circle), jti: jti, at: now()) else {
                    throw ValidationError("no live token '\(jti)'")
                }
            }
            Output.line("revoked \(jti)")
        }
    }
}
