import ArgumentParser
import Foundation
import SluiceClient
import SluiceCore

struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a circle's stream in the terminal, resuming with Last-Event-ID when the connection drops.")

    @Option(help: "Gateway base URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "API key (default: SLUICE_KEY).") var key: String?
    @Option var circle: String
    @Option(help: "Comma-separated subject patterns.") var subjects: String?
    @Option(help: "Follow one run instead of the whole circle.") var run: String?
    @Option(help: "Resume after this event id (0: from the start).") var lastEventID: String?
    @Flag(help: "Print one JSON envelope per line.") var json = false
    @Option(help: "Give up after this many reconnects in a row (default: never).") var maxRetries: Int?

    func run() async throws {
        guard let key = key ?? ProcessInfo.processInfo.environment["SLUICE_KEY"] else {
            throw ValidationError("--key or SLUICE_KEY is required")
        }
        let client = SluiceClient(baseURL: url, key: key)
        var stream =
            if let run { client.runEvents(run, in: circle, after: lastEventID) } else {
                client.events(
                    circle: circle, subjects: subjects.map { $0.split(separator: ",").map(String.init) } ?? [], after: lastEventID)
            }
        stream.maximumConsecutiveFailures = maxRetries
        do {
            for try await message in stream { show(message) }
        } catch let error as SluiceClientError where error.code == .connectionFailed {
            Output.error("connection lost: \(error.detail)")
            throw ExitCode(1)
        } catch let error as SluiceClientError {
            throw ValidationError(error.status.map { "\($0): \(error.code): \(error.detail)" } ?? error.description)
        }
    }

    func show(_ message: StreamMessage) {
        switch message {
        case .connected(let info):
            if !json { Output.error("connected to \(info["circle"]?.stringValue ?? circle)") }
        case .reset:
            if !json { Output.error("older events expired; continuing from the oldest retained") }
        case .event(let envelope):
            if json {
                Output.line(envelope.json.jsonText)
            } else {
                Output.line("\(envelope.timestamp ?? "")  #\(envelope.id)  \(envelope.subject)  \(envelope.payload.jsonText)")
            }
        }
    }
}
