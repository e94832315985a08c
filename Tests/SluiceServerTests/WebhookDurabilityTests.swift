import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore
import SluiceTesting
import Testing

/// What is pending survives `kill -9`, and the CLI works offline and over
/// HTTP against a running gateway. Runs the real `sluice` binary.
@Suite(.serialized) struct WebhookDurabilityTests {
    @Test func killNineWithTheReceiverDownThenEveryEventArrives() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-wh-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A port that refuses every connection (the receiver is down) and that no other test can take.
        let reservation = try PortReservation()
        let port = reservation.port
        var generator = SystemRandomNumberGenerator()
        let admin = APIKeyToken.generate(using: &generator).text
        let environment = [
            "SLUICE_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true", "SLUICE_WEBHOOKS_RETRY_SECONDS": "1,1,1,1,1,1,1,1,1,1",
            "SLUICE_WEBHOOKS_TIMEOUT_SECONDS": "2",
        ]
        let first = try await GatewayProcess(directory: directory, adminKey: admin, environment: environment)
        @Sendable func send(_ base: String, _ method: HTTPMethod, _ path: String, key: String, body: String) async throws -> JSONValue? {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "X-Api-Key", value: key)
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return try? JSONValue.parse(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        }
        let base = "http://127.0.0.1:\(first.port)"
        _ = try await send(base, .POST, "/api/circles", key: admin, body: #"{"id":"acme"}"#)
        let created = try await send(base, .POST, "/api/acme/keys", key: admin, body: #"{"scopes":["events:publish","webhooks:manage"]}"#)
        let key = try #require(created?["key"]?.stringValue)
        let hook = try await send(base, .POST, "/api/acme/webhooks", key: key, body: #"{"url":"http://127.0.0.1:\#(port)/k"}"#)
        #expect(hook?["secret"]?.stringValue?.hasPrefix("whsec_") == true)
        let hookID = try #require(hook?["id"]?.stringValue)
        var acknowledged: [String] = []
        for i in 0..<30 {
            let reply = try await send(base, .POST, "/api/acme/events", key: key, body: #"{"subject":"orders.k\#(i).completed"}"#)
            acknowledged += reply?["ids"]?.arrayValues?.compactMap(\.stringValue) ?? []
        }
        #expect(acknowledged.count == 30)
        // Wait (bounded) until attempts have been made and refused, then kill.
        var pending: [JSONValue] = []
        let attempted = ContinuousClock.now + .seconds(20)
        repeat {
            try await Task.sleep(for: .milliseconds(100))
            let listed = try await send(base, .GET, "/api/acme/webhooks/\(hookID)/deliveries?status=pending", key: key, body: "")
            pending = listed?["deliveries"]?.arrayValues ?? []
        } while !pending.contains(where: { ($0["attempts"]?.intValue ?? 0) >= 1 }) && ContinuousClock.now < attempted
        #expect(pending.contains { ($0["attempts"]?.intValue ?? 0) >= 1 }, "attempts were made and refused before the kill")
        #expect(pending.allSatisfy { $0["attempts"]?.intValue == 0 || $0["last_error"]?.stringValue == "connection failed" })
        first.kill9()

        let second = try await GatewayProcess(directory: directory, adminKey: admin, environment: environment)
        defer { second.kill9() }
        let receiver = try await WebhookReceiver.start(port: port)
        reservation.release()
        let deadline = ContinuousClock.now + .seconds(30)
        while Set(receiver.requests("/k").compactMap(\.webhookID)).count < acknowledged.count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let received = Set(receiver.requests("/k").compactMap(\.webhookID))
        #expect(received == Set(acknowledged), "every acknowledged event arrives at least once")
        try await receiver.stop()
    }

    @Test func commandWorksOfflineAndOverHTTP() async throws {
        let fixture = try await WebhookFixture.start()
        let server = fixture.server
        let commands = CommandTests()
        let offline = [
            "SLUICE_DATABASE": server.gateway.configuration.database, "SLUICE_POLICIES": server.gateway.configuration.policies,
            "SLUICE_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
        ]
        let (status, out, err) = try commands.run(
            ["webhooks", "create", "--circle", "acme", "--endpoint", fixture.receiver.baseURL + "/cli", "--subjects", "orders.>", "--json"],
            environment: offline)
        #expect(status == 0, "\(err)")
        let created = try #require(try? JSONValue.parse(out.trimmingCharacters(in: .whitespacesAndNewlines)))
        let id = try #require(created["id"]?.stringValue)
        #expect(created["secret"]?.stringValue?.hasPrefix("whsec_") == true)
        // Created offline, picked up by the running gateway within 2 s.
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        let event = try await fixture.publish("orders.cli.completed")
        let got = await fixture.receiver.wait(for: 1, at: "/cli", timeout: .seconds(5))
        #expect(got.first?.webhookID == event)
        #expect(ContinuousClock.now - started < .seconds(2))

        let remote = ["SLUICE_KEY": fixture.key]
        let (listed, listing, _) = try commands.run(["webhooks", "list", "--circle", "acme", "--url", server.baseURL], environment: remote)
        #expect(listed == 0 && listing.contains(id) && !listing.contains("whsec_"))
        _ = try await fixture.waitForDeliveries(id) { $0.first?["status"]?.stringValue == "succeeded" }
        let (_, deliveries, _) = try commands.run(
            ["webhooks", "deliveries", "--circle", "acme", "--status", "succeeded", id, "--json"], environment: offline)
        #expect(deliveries.contains(#""event_id":"\#(event)""#))
        let (replayed, _, _) = try commands.run(
            ["webhooks", "replay", "--circle", "acme", "--after-id", "0", id, "--url", server.baseURL], environment: remote)
        #expect(replayed == 0)
        #expect(await fixture.receiver.wait(for: 2, at: "/cli").count == 2)
        let (rotated, rotation, _) = try commands.run(["webhooks", "rotate", "--circle", "acme", id], environment: offline)
        #expect(rotated == 0 && rotation.contains("whsec_"))
        let (deleted, _, _) = try commands.run(["webhooks", "delete", "--circle", "acme", id], environment: offline)
        #expect(deleted == 0)
        let (missing, _, _) = try commands.run(["webhooks", "get", "--circle", "acme", id], environment: offline)
        #expect(missing != 0)
        try await fixture.stop()
    }
}
