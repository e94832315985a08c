import Foundation
import SluiceCore
import SluiceTesting
import Synchronization
import Testing

/// `sluice tail --json` running against a test server. Its output is
/// collected by a file-handle callback (off the task pool, so waiting for
/// it never blocks the in-process server).
final class Tail: @unchecked Sendable {
    // `process` is configured in `init` and afterwards only terminated; the
    // output lives in a locked box written by the file-handle callback.
    let process = Process()
    private final class Output: Sendable {
        let text = Mutex("")
    }
    private let output = Output()

    init(_ arguments: [String], key: String) throws {
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: CommandTests.binary)
        process.arguments = ["tail", "--json"] + arguments
        process.environment = ["SLUICE_KEY": key]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    deinit { if process.isRunning { process.terminate() } }

    /// The event ids printed so far, after waiting (bounded) for at least `count` lines.
    func ids(atLeast count: Int, timeout: Duration = .seconds(15)) async -> [String] {
        let deadline = ContinuousClock.now + timeout
        while output.text.withLock({ $0.split(separator: "\n").count }) < count && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return output.text.withLock { $0 }.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
            .compactMap { $0["id"]?.stringValue }
    }
}

/// The `sluice` command as a user runs it (the binary built by `swift build`).
@Suite struct CommandTests {
    static let binary = repositoryRoot.appendingPathComponent(".build/debug/sluice").path

    /// Runs the command to completion with a deadline; returns exit code and output.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandTests.binary)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        process.currentDirectoryURL = repositoryRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, stdout, stderr)
    }

    @Test func policyCheckAndTest() throws {
        let (ok, out, _) = try run(["policy", "check", "policies"])
        #expect(ok == 0)
        #expect(out.contains("ok"))
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try "version: 1\ncircles: [\"*\"]\nfaces:\n  x:\n    subjects: [\"a..b\"]\n    fields: []\n"
            .write(to: broken.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let (failed, _, message) = try run(["policy", "check", broken.path])
        #expect(failed != 0)
        #expect(message.contains("bad.yaml:5"))

        let event = broken.appendingPathComponent("event.json")
        try #"{"subject":"sales-board.b1.completed","payload":{"output":{"total":3,"cost":9}},"actor":{"type":"user","id":"u_1"}}"#
            .write(to: event, atomically: true, encoding: .utf8)
        let (tested, shown, _) = try run(["policy", "test", "--circle", "acme", "--face", "public-widget", "--policies", "policies", event.path])
        #expect(tested == 0)
        let view = try #require(try? JSONValue.parse(shown.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(view["payload"] == (try JSONValue.parse(#"{"output":{"total":3}}"#)))
        #expect(view["redacted"] == .bool(true))
        #expect(view["actor"] == (try JSONValue.parse(#"{"type":"user"}"#)))
        let (denied, _, _) = try run(["policy", "test", "--circle", "acme", "--face", "nobody", "--policies", "policies", event.path])
        #expect(denied != 0)
    }

    @Test func tailFollowsAStreamAndResumes() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        for i in 1...3 { try await server.publish("acme", key: key, #"{"subject":"t.n\#(i)","payload":{"i":\#(i)}}"#) }
        let tail = try Tail(["--url", server.baseURL, "--circle", "acme", "--last-event-id", "1", "--max-retries", "0"], key: key)
        try await server.publish("acme", key: key, #"{"subject":"t.n4"}"#)
        #expect(await tail.ids(atLeast: 3, timeout: .seconds(10)) == ["2", "3", "4"])
        tail.process.terminate()
        try await server.stop()
    }

    @Test func tailResumesWithLastEventIDAfterARestart() async throws {
        let port = try freeLoopbackPort()
        let first = try await TestServer.start { $0.port = port }
        let key = try await first.makeCircle("acme")
        try await first.publish("acme", key: key, #"{"subject":"t.one"}"#)
        let tail = try Tail(["--url", first.baseURL, "--circle", "acme", "--last-event-id", "0", "--max-retries", "20"], key: key)
        _ = await tail.ids(atLeast: 1)
        // The gateway goes away (its streams close) and comes back on the same port and database.
        try await first.stop(removeFiles: false)
        let second = try await TestServer.start(directory: first.directory) { $0.port = port }
        try await second.publish("acme", key: key, #"{"subject":"t.two"}"#)
        #expect(await tail.ids(atLeast: 2) == ["1", "2"], "resumed after event 1, nothing twice, nothing missing")
        tail.process.terminate()
        try await second.stop()
    }
}
