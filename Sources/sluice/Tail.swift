import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
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
        var path = run.map { "/api/\(circle)/runs/\($0)/events" } ?? "/api/events/\(circle)"
        if let subjects { path += "?subjects=\(subjects.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? subjects)" }
        var resume = lastEventID
        var failures = 0
        while true {
            var parser = SSEParser()
            do {
                var request = HTTPClientRequest(url: url + path)
                request.headers.add(name: "X-Api-Key", value: key)
                request.headers.add(name: "Accept", value: "text/event-stream")
                if let resume { request.headers.add(name: "Last-Event-ID", value: resume) }
                let response = try await HTTPClient.shared.execute(request, timeout: .hours(24 * 365))
                guard response.status.code == 200 else {
                    let body = try await response.body.collect(upTo: 1 << 16)
                    throw ValidationError("\(response.status.code): \(String(buffer: body))")
                }
                failures = 0
                for try await chunk in response.body {
                    for event in parser.feed(chunk.readableBytesView) { show(event) }
                    if let id = parser.lastEventID { resume = id }
                }
                if run != nil { return }
            } catch let error as ValidationError {
                throw error
            } catch {
                Output.error("connection lost; resuming after \(resume ?? "now")")
            }
            failures += 1
            if let maxRetries, failures > maxRetries { throw ExitCode(1) }
            try await Task.sleep(for: .seconds(min(3, failures)))
        }
    }

    func show(_ event: SSEParser.Event) {
        if json {
            if event.name == "connected" || event.name == "reset" { return }
            Output.line(event.data)
            return
        }
        guard let envelope = try? JSONValue.parse(event.data) else { return }
        switch event.name {
        case "connected": Output.error("connected to \(envelope["circle"]?.stringValue ?? circle)")
        case "reset": Output.error("older events expired; continuing from the oldest retained")
        default:
            let time = envelope["timestamp"]?.stringValue ?? ""
            let subject = envelope["subject"]?.stringValue ?? event.name ?? ""
            Output.line("\(time)  #\(event.id ?? "-")  \(subject)  \(envelope["payload"]?.jsonText ?? "{}")")
        }
    }
}
