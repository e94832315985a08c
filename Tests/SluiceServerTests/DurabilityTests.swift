import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore
import SluiceTesting
import Synchronization
import Testing

/// Every event acknowledged before a `kill -9` is there after a restart,
/// unchanged and without gaps. Runs the real `sluice` binary (built by
/// `swift build` before the tests).
/// A `sluice serve` process of our own; stopped only by its pid.
final class GatewayProcess: Sendable {
    let process: Process
    let port: Int

    init(directory: URL, adminKey: String, environment extra: [String: String] = [:]) async throws {
        let binary = repositoryRoot.appendingPathComponent(".build/debug/sluice")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw SluiceError.unavailable("build the sluice binary first (swift build): \(binary.path)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--config", repositoryRoot.appendingPathComponent("Config/sluice.yaml").path]
        process.environment = [
            "SLUICE_LISTEN": "127.0.0.1:0", "SLUICE_DATABASE": "sqlite:\(directory.appendingPathComponent("d.db").path)",
            "SLUICE_POLICIES": repositoryRoot.appendingPathComponent("policies").path, "SLUICE_ADMIN_KEY": adminKey,
        ].merging(extra) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let output = Mutex("")
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(30)
        var found: Int?
        while found == nil && ContinuousClock.now < deadline && process.isRunning {
            let data = pipe.fileHandleForReading.availableData
            let text = output.withLock {
                $0 += String(decoding: data, as: UTF8.self); return $0
            }
            if let range = text.range(of: "address=127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else {
            process.terminate()
            throw SluiceError.unavailable("sluice did not start")
        }
        port = found
    }

    func kill9() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Thread-safe record of what the gateway acknowledged.
final class Acknowledged: Sendable {
    let ids = Mutex<[String: String]>([:])
}

@Suite struct DurabilityTests {

    @Test func acknowledgedEventsSurviveKillNine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SystemRandomNumberGenerator()
        let admin = APIKeyToken.generate(using: &generator).text
        let first = try await GatewayProcess(directory: directory, adminKey: admin)
        let base = "http://127.0.0.1:\(first.port)"
        @Sendable func send(_ method: HTTPMethod, _ path: String, key: String, body: String) async throws -> (Int, JSONValue?) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "X-Api-Key", value: key)
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), try? JSONValue.parse(bytes.readableBytesView))
        }
        _ = try await send(.POST, "/api/circles", key: admin, body: #"{"id":"acme"}"#)
        let (_, created) = try await send(.POST, "/api/acme/keys", key: admin, body: #"{"scopes":["events:publish","events:read"]}"#)
        let key = try #require(created?["key"]?.stringValue)

        let acknowledged = Acknowledged()
        let publishers = (0..<4).map { worker in
            Task {
                for i in 0..<400 {
                    let body = #"{"events":[{"subject":"w\#(worker).n\#(i)","payload":{"w":\#(worker),"i":\#(i)}},{"subject":"w\#(worker).m\#(i)"}]}"#
                    guard let (status, reply) = try? await send(.POST, "/api/acme/events", key: key, body: body), status == 201,
                        let ids = reply?["ids"]?.arrayValues
                    else { return }
                    acknowledged.ids.withLock { acked in
                        acked[ids[0].stringValue!] = "w\(worker).n\(i)"
                        acked[ids[1].stringValue!] = "w\(worker).m\(i)"
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while acknowledged.ids.withLock({ $0.count }) < 200 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        first.kill9()
        for publisher in publishers { await publisher.value }
        let acked = acknowledged.ids.withLock { $0 }
        #expect(acked.count >= 200)

        let second = try await GatewayProcess(directory: directory, adminKey: admin)
        defer { second.kill9() }
        let stream = try await SSEClient(url: "http://127.0.0.1:\(second.port)/api/events/acme?last_event_id=0", headers: [("X-Api-Key", key)])
        let maxAcked = acked.keys.compactMap { Int($0) }.max() ?? 0
        let events = await stream.events(maxAcked, timeout: .seconds(20))
        stream.close()
        let ids = events.compactMap { $0.id.flatMap { Int($0) } }
        #expect(ids.count >= maxAcked)
        #expect(ids == Array(1...ids.count), "no gaps after the restart")
        let subjects = Dictionary(uniqueKeysWithValues: events.map { ($0.id ?? "", $0.name ?? "") })
        for (id, subject) in acked { #expect(subjects[id] == subject, "event \(id) is there unchanged") }
    }
}
