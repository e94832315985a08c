import ArgumentParser
import Foundation
import SluiceClient
import SluiceCore
import SluiceServer
import SluiceStorage
import SluiceStore

/// Where an administrative command acts: offline on the configured database
/// through the operations layer, or over HTTP with `--url` and `--key` (or
/// `SLUICE_KEY`) through SluiceClient. Either way it prints a readable table
/// or summary, or with `--json` the API's JSON as one object.
struct Target: ParsableArguments {
    @OptionGroup var options: ConfigOptions

    @Option(help: "Gateway base URL, such as http://127.0.0.1:8080; without it the command works offline on the database.")
    var url: String?

    @Option(help: "API key for --url (default: the SLUICE_KEY environment variable).")
    var key: String?

    @Flag(help: "Print the answer as one JSON object (the API's), for scripts.")
    var json = false

    var isRemote: Bool { url != nil }

    /// Runs `body` on the configured database, and closes it afterwards
    /// (PostgreSQL's pool and listener end with the command).
    func withStore<T>(_ body: (any EventStore) async throws -> T) async throws -> T {
        let configuration = try options.load()
        let store = try await StorageEngine.open(configuration.database, options: configuration.databaseOptions)
        do {
            let result = try await body(store)
            await store.shutdown()
            return result
        } catch {
            await store.shutdown()
            throw error
        }
    }

    /// Runs an operation straight on the configured database (offline); a
    /// running gateway on it picks the change up from its change feed. A
    /// refusal prints its code and detail and exits 1.
    func offline<T>(_ operation: (Administration) async throws -> T) async throws -> T {
        do {
            let configuration = try options.load()
            return try await withStore { store in
                try await operation(try await Administration.offline(configuration: configuration, store: store))
            }
        } catch let error as SluiceError {
            throw Output.failure("\(error.code): \(error.detail)")
        }
    }

    /// Runs a call on the gateway at `--url`; the gateway's problem (or a
    /// connection failure) prints its code and detail and exits 1.
    func remote<T>(_ call: (SluiceClient) async throws -> T) async throws -> T {
        guard let url else { throw ValidationError("--url is required") }
        guard let key = key ?? ProcessInfo.processInfo.environment["SLUICE_KEY"] else {
            throw ValidationError("--key or SLUICE_KEY is required with --url")
        }
        do {
            return try await call(SluiceClient(baseURL: url, key: key))
        } catch let error as SluiceClientError {
            throw Output.failure(error.description)
        }
    }

    /// Prints `value` with `--json`, else the readable form.
    func show(_ value: JSONValue, _ readable: () -> String) {
        Output.line(json ? value.jsonText : readable())
    }
}

/// A record the operations layer returned, as the client type the gateway's
/// JSON makes, so both paths print the same.
func typed<T>(_ json: JSONValue, _ make: (JSONValue) -> T?) throws -> T {
    guard let value = make(json) else { throw Output.failure("internal_error: unexpected record \(json.jsonText)") }
    return value
}

func now() -> Timestamp { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }

func parseCircle(_ text: String) throws -> CircleID {
    guard let circle = CircleID(text) else { throw ValidationError("'\(text)' is not a valid circle id") }
    return circle
}
