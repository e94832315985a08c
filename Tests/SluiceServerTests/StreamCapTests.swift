import Foundation
import Logging
import SluiceCore
import SluiceTesting
import Synchronization
import Testing
import WSClient

/// The per-circle cap on open streams counts every kind of stream.
@Suite(.timeLimit(.minutes(2))) struct StreamCapTests {
    final class Seen: Sendable {
        let statuses = Mutex<[String: Int]>([:])
    }

    func mint(_ server: TestServer, key: String) async throws -> String {
        let reply = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        return try #require(reply.json?["token"]?.stringValue)
    }

    func waitForNoStreams(_ server: TestServer) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while server.gateway.hub.streamCount(circle: CircleID("acme")!) > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.gateway.hub.streamCount(circle: CircleID("acme")!) == 0)
    }

    /// Every kind of stream of acme, as (name, path, authenticated).
    func kinds(token: String) -> [(String, String, Bool)] {
        [
            ("sse", "/api/events/acme", true),
            ("run", "/api/acme/runs/r1/events", true),
            ("public routed", "/api/public/events/acme?t=\(token)&last_event_id=0", false),
            ("public fast path", "/api/public/events/acme?t=\(token)", false),
        ]
    }

    /// With one stream open, every kind of stream of the circle is refused, another circle's is not.
    func expectFull(_ server: TestServer, key: String, beta: String, token: String, holder: String) async throws {
        for (name, path, authenticated) in kinds(token: token) {
            let refused = try await SSEClient(url: server.baseURL + path, headers: authenticated ? [("X-Api-Key", key)] : [])
            #expect(refused.status == 429, "\(name) while \(holder) is open")
            #expect(refused.errorBody.contains("rate_limited"), "\(name)")
            refused.close()
        }
        let upgradeless = try await server.request(.GET, "/api/events/acme/ws", key: key)
        #expect(upgradeless.status == 429, "websocket while \(holder) is open")
        #expect(upgradeless.headers["Retry-After"].first != nil)
        let other = try await SSEClient(url: server.baseURL + "/api/events/beta", headers: [("X-Api-Key", beta)])
        #expect(other.status == 200)
        other.close()
    }

    @Test func everyKindOfStreamCountsAgainstTheCircleCap() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let beta = try await server.makeCircle("beta")
        let token = try await mint(server, key: key)
        #expect(try await server.request(.PUT, "/api/circles/acme/limits", key: server.adminKey, body: #"{"streams": 1}"#).status == 200)
        // Warm the share token's cache so the fast path can serve it.
        let warm = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)")
        #expect(warm.status == 200)
        warm.close()
        try await waitForNoStreams(server)

        for (name, path, authenticated) in kinds(token: token) {
            let holder = try await SSEClient(url: server.baseURL + path, headers: authenticated ? [("X-Api-Key", key)] : [])
            #expect(holder.status == 200, "\(name)")
            _ = await holder.next()
            try await expectFull(server, key: key, beta: beta, token: token, holder: name)
            holder.close()
            try await waitForNoStreams(server)
        }

        // A WebSocket holds the slot too.
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders = [.init("X-Api-Key")!: key]
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(server.port)/api/events/acme/ws", configuration: configuration, logger: Logger(label: "ws-test")
        ) { _, _, _ in
            let deadline = ContinuousClock.now + .seconds(5)
            while server.gateway.hub.streamCount(circle: CircleID("acme")!) == 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await expectFull(server, key: key, beta: beta, token: token, holder: "websocket")
        }
        try await waitForNoStreams(server)
        // Once free, a stream opens again.
        let again = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        #expect(again.status == 200)
        again.close()
        try await server.stop()
    }

    @Test func theDefaultCapComesFromTheConfiguration() async throws {
        let server = try await TestServer.start { $0.fairness.streams = 2 }
        let key = try await server.makeCircle("acme")
        let first = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        let second = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        let third = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        #expect([first.status, second.status, third.status] == [Int]([200, 200, 429]))
        #expect(third.headers["Retry-After"].first != nil)
        first.close()
        second.close()
        try await server.stop()
    }
}
