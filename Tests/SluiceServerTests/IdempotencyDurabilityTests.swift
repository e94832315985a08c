import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore
import SluiceTesting
import Synchronization
import Testing

/// The issue's own scenario: producers publishing with an `Idempotency-Key`,
/// the gateway killed with `kill -9` in the middle, and every producer
/// retrying what it sent. Each batch is in the log exactly once, and what
/// was acknowledged before the crash is answered again with the same ids.
@Suite struct IdempotencyDurabilityTests {
    /// Per worker: the answers received, and the last batch index sent.
    final class Progress: Sendable {
        let answers = Mutex<[String: JSONValue]>([:])
        let lastSent = Mutex<[Int: Int]>([:])
    }

    @Test func retriesAfterKillNineStoreEveryBatchOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-idem-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SystemRandomNumberGenerator()
        let admin = APIKeyToken.generate(using: &generator).text
        let first = try await GatewayProcess(directory: directory, adminKey: admin)
        @Sendable func send(_ port: Int, _ path: String, key: String, idempotency: String? = nil, body: String) async throws -> (Int, JSONValue?) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)" + path)
            request.method = .POST
            request.headers.add(name: "X-Api-Key", value: key)
            if let idempotency { request.headers.add(name: "Idempotency-Key", value: idempotency) }
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), try? JSONValue.parse(bytes.readableBytesView))
        }
        func body(_ worker: Int, _ i: Int) -> String { #"{"events":[{"subject":"w\#(worker).n\#(i)"},{"subject":"w\#(worker).m\#(i)"}]}"# }

        _ = try await send(first.port, "/api/circles", key: admin, body: #"{"id":"acme"}"#)
        let (_, created) = try await send(first.port, "/api/acme/keys", key: admin, body: #"{"scopes":["events:publish","events:read"]}"#)
        let key = try #require(created?["key"]?.stringValue)

        let progress = Progress()
        let publishers = (0..<4).map { worker in
            Task {
                for i in 0..<400 {
                    progress.lastSent.withLock { $0[worker] = i }
                    guard
                        let (status, reply) = try? await send(
                            first.port, "/api/acme/events", key: key, idempotency: "w\(worker)-\(i)", body: body(worker, i)),
                        status == 201, let ids = reply?["ids"]
                    else { return }
                    progress.answers.withLock { $0["w\(worker)-\(i)"] = ids }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while progress.answers.withLock({ $0.count }) < 100 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        first.kill9()
        for publisher in publishers { await publisher.value }
        let before = progress.answers.withLock { $0 }
        #expect(before.count >= 100)

        // Every producer retries everything it sent, acknowledged or not.
        let second = try await GatewayProcess(directory: directory, adminKey: admin)
        defer { second.kill9() }
        var batches = 0
        for (worker, last) in progress.lastSent.withLock({ $0 }) {
            for i in 0...last {
                let (status, reply) = try await send(second.port, "/api/acme/events", key: key, idempotency: "w\(worker)-\(i)", body: body(worker, i))
                #expect(status == 201)
                if let earlier = before["w\(worker)-\(i)"] { #expect(reply?["ids"] == earlier, "w\(worker)-\(i) answered as before") }
                batches += 1
            }
        }
        let stream = try await SSEClient(url: "http://127.0.0.1:\(second.port)/api/events/acme?last_event_id=0", headers: [("X-Api-Key", key)])
        let events = await stream.events(2 * batches + 1, timeout: .seconds(5))
        stream.close()
        let subjects = events.compactMap(\.name)
        #expect(subjects.count == 2 * batches, "every batch once, nothing twice")
        #expect(Set(subjects).count == subjects.count)
    }
}
