import Foundation
import SluiceCore
import SluiceServer
import SluiceStore
import SluiceTesting
import Testing

/// Tenant isolation across deletion, and changes made offline with the
/// `sluice` command against a running gateway's database (contract sections
/// 2 and 7), against a real server.
@Suite struct IsolationTests {
    func mint(_ server: TestServer, key: String, circle: String) async throws -> (token: String, jti: String) {
        let reply = try await server.request(
            .POST, "/api/\(circle)/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        let token = try #require(reply.json?["token"]?.stringValue, "\(reply.body)")
        return (token, try #require(reply.json?["jti"]?.stringValue))
    }

    func publicURL(_ server: TestServer, _ circle: String, _ token: String) -> String {
        server.baseURL + "/api/public/events/\(circle)?t=\(token)"
    }

    @Test func credentialsOfADeletedCircleShareNothingWithACircleCreatedLaterWithItsID() async throws {
        let server = try await TestServer.start()
        let oldKey = try await server.makeCircle("tmpco")
        let minted = try await mint(server, key: oldKey, circle: "tmpco")
        let stream = try await SSEClient(url: publicURL(server, "tmpco", minted.token))
        #expect(stream.status == 200)
        #expect(await stream.next()?.name == "connected")
        let staleToken = try #require(await server.gateway.store.shareToken(jti: minted.jti))
        let staleKey = try #require(await server.gateway.store.key(id: String(oldKey.dropFirst(4).prefix(12))))

        #expect(try await server.request(.DELETE, "/api/circles/tmpco", key: server.adminKey).status == 204)
        #expect(await stream.waitForEnd(timeout: .seconds(2)), "the circle's public stream closed")

        // A new tenant with the same id publishes what the old token's face would show.
        let newKey = try await server.makeCircle("tmpco")
        try await server.publish("tmpco", key: newKey, #"{"subject":"sales-board.b1.completed","payload":{"output":{"total":42}}}"#)
        // Even a stale cache entry of the old incarnation opens nothing.
        server.gateway.shares.remember(staleToken)
        server.gateway.keys.put(staleKey)
        let again = try await SSEClient(url: publicURL(server, "tmpco", minted.token))
        #expect(again.status == 401)
        #expect(!again.errorBody.contains("42"))
        #expect(try await server.request(.GET, "/embed/tmpco?t=\(minted.token)").status == 401)
        #expect(try await server.publish("tmpco", key: oldKey, #"{"subject":"a.b"}"#).status == 401)
        #expect(try await server.request(.GET, "/api/tmpco/_share", key: newKey).json?["tokens"]?.arrayValues?.isEmpty == true)
        try await server.stop()
    }

    /// Runs the `sluice` command offline against the server's database,
    /// without blocking the test's threads; bounded by a deadline.
    func offline(_ server: TestServer, _ arguments: [String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandTests.binary)
        process.arguments = arguments
        process.environment = [
            "PATH": "/usr/bin:/bin", "SLUICE_DATABASE": "sqlite:\(server.directory.appendingPathComponent("sluice.db").path)",
            "SLUICE_POLICIES": server.directory.appendingPathComponent("policies").path,
        ]
        process.currentDirectoryURL = repositoryRoot
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// Whether `condition` holds within `limit`, checked every 50 ms.
    func eventually(within limit: Duration = .seconds(2), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test func anOfflineShareRevocationClosesOpenStreamsWithinTwoSeconds() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key, circle: "acme")
        let stream = try await SSEClient(url: publicURL(server, "acme", minted.token))
        #expect(stream.status == 200)
        #expect(await stream.next()?.name == "connected")
        let (status, output) = try await offline(server, ["share", "revoke", "--circle", "acme", minted.jti])
        #expect(status == 0, "\(output)")
        #expect(await stream.waitForEnd(timeout: .seconds(2)))
        #expect(try await SSEClient(url: publicURL(server, "acme", minted.token)).status == 401)
        try await server.stop()
    }

    @Test func anOfflineCircleDeletionEndsEveryStreamOfTheCircleWithinTwoSeconds() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key, circle: "acme")
        let other = try await server.makeCircle("other")
        let streams = [
            try await SSEClient(url: publicURL(server, "acme", minted.token)),
            try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", server.adminKey)]),
            try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)]),
        ]
        let untouched = try await SSEClient(url: server.baseURL + "/api/events/other", headers: [("X-Api-Key", other)])
        for stream in streams + [untouched] { #expect(await stream.next()?.name == "connected") }
        let (status, output) = try await offline(server, ["circles", "delete", "acme"])
        #expect(status == 0, "\(output)")
        for (i, stream) in streams.enumerated() { #expect(await stream.waitForEnd(timeout: .seconds(2)), "stream \(i)") }
        #expect(!untouched.ended)
        #expect(try await SSEClient(url: publicURL(server, "acme", minted.token)).status == 401)
        #expect(try await server.publish("acme", key: key, #"{"subject":"a.b"}"#).status == 401)
        try await server.stop()
    }

    @Test func anOfflineKeyRevocationAndRotationReachTheGatewayWithinTwoSeconds() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let reader = try await server.makeKey("acme", scopes: ["events:read"])
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", reader)])
        #expect(await stream.next()?.name == "connected")
        let (status, output) = try await offline(server, ["keys", "revoke", String(reader.dropFirst(4).prefix(12))])
        #expect(status == 0, "\(output)")
        #expect(await stream.waitForEnd(timeout: .seconds(2)))
        #expect(try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", reader)]).status == 401)

        let (rotated, json) = try await offline(server, ["keys", "rotate", String(key.dropFirst(4).prefix(12)), "--json"])
        #expect(rotated == 0, "\(json)")
        let newKey = try #require(try? JSONValue.parse(json.trimmingCharacters(in: .whitespacesAndNewlines))["key"]?.stringValue)
        #expect(try await eventually { try await server.publish("acme", key: newKey, #"{"subject":"a.b"}"#).status == 201 }, "the new one works")
        #expect(try await server.publish("acme", key: key, #"{"subject":"a.b"}"#).status == 401, "the old secret stopped working")
        try await server.stop()
    }
}
