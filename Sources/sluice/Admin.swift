import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore
import SluiceSQLite
import SluiceServer
import SluiceStore

/// Where an administrative command acts: offline on the configured database,
/// or over HTTP with `--url` and `--key` (or `SLUICE_KEY`).
struct Target: ParsableArguments {
    @OptionGroup var options: ConfigOptions

    @Option(help: "Gateway base URL, such as http://127.0.0.1:8080; without it the command works offline on the database.")
    var url: String?

    @Option(help: "API key for --url (default: the SLUICE_KEY environment variable).")
    var key: String?

    var isRemote: Bool { url != nil }

    func store() throws -> any EventStore {
        let configuration = try options.load()
        guard let path = configuration.sqlitePath else { throw ValidationError("only sqlite: databases work offline") }
        return try SQLiteEventStore(path: path)
    }

    /// The operations straight on the configured database (offline); a
    /// running gateway on it picks their changes up from its change feed.
    func administration() async throws -> Administration {
        try await Administration.offline(configuration: try options.load(), store: try store())
    }

    /// Runs an offline operation, showing a refusal as the command's error.
    func offline<T>(_ operation: (Administration) async throws -> T) async throws -> T {
        do {
            return try await operation(try await administration())
        } catch let error as SluiceError {
            throw ValidationError(error.detail)
        }
    }

    /// Sends a JSON request and returns the JSON answer, or fails with the problem's detail.
    func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        guard let url else { throw ValidationError("--url is required") }
        guard let key = key ?? ProcessInfo.processInfo.environment["SLUICE_KEY"] else {
            throw ValidationError("--key or SLUICE_KEY is required with --url")
        }
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        request.headers.add(name: "X-Api-Key", value: key)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let value = bytes.readableBytes == 0 ? JSONValue.null : (try? JSONValue.parse(bytes.readableBytesView)) ?? .null
        guard (200..<300).contains(Int(response.status.code)) else {
            throw ValidationError("\(response.status.code) \(value["code"]?.stringValue ?? ""): \(value["detail"]?.stringValue ?? "")")
        }
        return value
    }
}

func now() -> Timestamp { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }

func parseCircle(_ text: String) throws -> CircleID {
    guard let circle = CircleID(text) else { throw ValidationError("'\(text)' is not a valid circle id") }
    return circle
}

struct Circles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and delete circles.", subcommands: [Create.self, List.self, Delete.self, CircleLimitsCommand.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a circle.")
        @OptionGroup var target: Target
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                Output.line(try await target.call(.POST, "/api/circles", body: .object([("id", .string(id))])).jsonText)
                return
            }
            let circle = try parseCircle(id)
            _ = try await target.offline { try await $0.circles.create(circle, by: nil) }
            Output.line("created \(id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List circles.")
        @OptionGroup var target: Target

        func run() async throws {
            if target.isRemote {
                Output.line(try await target.call(.GET, "/api/circles").jsonText)
                return
            }
            for circle in try await target.offline({ try await $0.circles.list(by: nil) }) {
                Output.line("\(circle.id)\t\(circle.createdAt.rfc3339)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a circle with its events, keys and share tokens.")
        @OptionGroup var target: Target
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                _ = try await target.call(.DELETE, "/api/circles/\(id)")
            } else {
                let circle = try parseCircle(id)
                try await target.offline { try await $0.circles.delete(circle, by: nil) }
            }
            Output.line("deleted \(id)")
        }
    }
}
