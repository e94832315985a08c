import Foundation
import Logging
import SluiceCore
import SluiceTesting
import Testing
import WSClient

/// Fairness between circles (contract section 9): the ingest rate, the cap
/// on open streams of every kind, and their per-circle overrides.
@Suite(.timeLimit(.minutes(2))) struct FairnessTests {
    func latest(_ server: TestServer, _ circle: String) async throws -> Int64 {
        try await server.gateway.store.bounds(of: CircleID(circle)!).latest
    }

    static func batch(_ count: Int) -> String {
        #"{"events":["# + Array(repeating: #"{"subject":"load.tick"}"#, count: count).joined(separator: ",") + "]}"
    }

    @Test func overTheRateIs429WithRetryAfterAndNothingStored() async throws {
        let server = try await TestServer.start { $0.fairness.eventsPerSecond = 5 }
        let acme = try await server.makeCircle("acme")
        server.clock.freeze()
        let beta = try await server.makeCircle("beta")
        #expect(try await server.publish("acme", key: acme, Self.batch(5)).status == 201)
        let refused = try await server.publish("acme", key: acme, Self.batch(2))
        #expect(refused.status == 429)
        #expect(refused.code == "rate_limited")
        #expect(refused.headers["Retry-After"] == ["1"])
        #expect(refused.headers["Content-Type"] == ["application/problem+json"])
        #expect(try await latest(server, "acme") == 5)
        // Another circle is not touched by acme's limit.
        #expect(try await server.publish("beta", key: beta, Self.batch(5)).status == 201)
        server.clock.advance(by: 0.5)
        #expect(try await server.publish("acme", key: acme, Self.batch(2)).status == 201)
        #expect(try await server.publish("acme", key: acme, Self.batch(1)).status == 429)
        server.clock.advance(by: 1)
        #expect(try await server.publish("acme", key: acme, Self.batch(5)).status == 201)
        #expect(try await latest(server, "acme") == 12)
        try await server.stop()
    }

    @Test func aBatchOverTheBurstPassesFromAFullBucketThenWaits() async throws {
        let server = try await TestServer.start { $0.fairness.eventsPerSecond = 4 }
        let key = try await server.makeCircle("acme")
        server.clock.freeze()
        #expect(try await server.publish("acme", key: key, Self.batch(10)).status == 201)
        let refused = try await server.publish("acme", key: key, Self.batch(1))
        #expect(refused.status == 429)
        #expect(refused.headers["Retry-After"] == ["2"])
        try await server.stop()
    }

    @Test func overridesThroughTheAPI() async throws {
        let server = try await TestServer.start { $0.fairness.eventsPerSecond = 100 }
        let key = try await server.makeCircle("acme")
        server.clock.freeze()
        let path = "/api/circles/acme/limits"
        let shown = try await server.request(.GET, path, key: server.adminKey)
        #expect(shown.status == 200)
        #expect(shown.json?["events_per_second"] == .null)
        #expect(shown.json?["effective"]?["events_per_second"] == .number("100"))
        #expect(shown.json?["effective"]?["streams"] == .number("10000"))
        let set = try await server.request(.PUT, path, key: server.adminKey, body: #"{"events_per_second": 2}"#)
        #expect(set.status == 200)
        #expect(set.json?["events_per_second"] == .number("2"))
        #expect(set.json?["streams"] == .null)
        #expect(try await server.publish("acme", key: key, Self.batch(2)).status == 201)
        #expect(try await server.publish("acme", key: key, Self.batch(1)).status == 429)
        // null goes back to the default; an absent member keeps what is stored.
        #expect(try await server.request(.PUT, path, key: server.adminKey, body: #"{"streams": 3}"#).json?["events_per_second"] == .number("2"))
        let reset = try await server.request(.PUT, path, key: server.adminKey, body: #"{"events_per_second": null}"#)
        #expect(reset.json?["events_per_second"] == .null)
        #expect(reset.json?["streams"] == .number("3"))
        server.clock.advance(by: 1)
        #expect(try await server.publish("acme", key: key, Self.batch(50)).status == 201)
        // Only platform admins; a bad value names the field; an unknown circle is 404.
        #expect(try await server.request(.GET, path, key: key).status == 403)
        #expect(try await server.request(.PUT, path, key: key, body: #"{"streams": 1}"#).status == 403)
        #expect(try await server.request(.PUT, path).status == 401)
        let bad = try await server.request(.PUT, path, key: server.adminKey, body: #"{"streams": 0}"#)
        #expect(bad.status == 400)
        #expect(bad.json?["field"] == .string("streams"))
        #expect(try await server.request(.PUT, path, key: server.adminKey, body: #"{"burst": 1}"#).status == 400)
        #expect(try await server.request(.GET, "/api/circles/ghost/limits", key: server.adminKey).status == 404)
        #expect(try await server.request(.PUT, "/api/circles/ghost/limits", key: server.adminKey, body: "{}").status == 404)
        try await server.stop()
    }

    @Test func anOfflineOverrideReachesTheRunningGatewayWithin2Seconds() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        server.clock.freeze()
        let env = ["SLUICE_DATABASE": server.gateway.configuration.database]
        let (status, out, err) = try CommandTests().run(
            ["circles", "limits", "--circle", "acme", "--events-per-second", "1", "--json"], environment: env)
        #expect(status == 0, "\(err)")
        #expect(try JSONValue.parse(out.trimmingCharacters(in: .whitespacesAndNewlines))["events_per_second"] == .number("1"))
        let deadline = ContinuousClock.now + .seconds(2)
        var limited = false
        while !limited && ContinuousClock.now < deadline {
            limited = try await server.publish("acme", key: key, Self.batch(2)).status == 429
            if !limited { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(limited)
        // Over HTTP with --url/--key, and back to the default.
        let remote = try CommandTests().run(
            [
                "circles", "limits", "--circle", "acme", "--events-per-second", "default", "--streams", "9", "--url", server.baseURL,
                "--key", server.adminKey, "--json",
            ])
        #expect(remote.0 == 0, "\(remote.2)")
        let answer = try JSONValue.parse(remote.1.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(answer["events_per_second"] == .null)
        #expect(answer["streams"] == .number("9"))
        server.clock.advance(by: 1)
        #expect(try await server.publish("acme", key: key, Self.batch(2)).status == 201)
        let shown = try CommandTests().run(["circles", "limits", "--circle", "acme", "--json"], environment: env)
        #expect(try JSONValue.parse(shown.1.trimmingCharacters(in: .whitespacesAndNewlines))["streams"] == .number("9"))
        #expect(try CommandTests().run(["circles", "limits", "--circle", "acme", "--streams", "-3"], environment: env).0 != 0)
        try await server.stop()
    }
}
