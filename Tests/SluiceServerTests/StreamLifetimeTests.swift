import Foundation
import SluiceCore
import SluiceHub
import SluiceTesting
import Testing

@testable import SluiceServer

/// A stream's place in the hub lasts exactly as long as its connection, on
/// every path and whenever the client goes: before the response head,
/// during the replay, or live. Through a real server, with clients that
/// reset the connection (RST) rather than close it politely.
@Suite struct StreamLifetimeTests {
    /// Waits (bounded) until the hub holds `count` streams.
    func waitForStreams(_ server: TestServer, _ count: Int) async -> Bool {
        for _ in 0..<300 {
            if server.gateway.hub.streamCount == count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return server.gateway.hub.streamCount == count
    }

    func mint(_ server: TestServer, key: String, maxConnections: Int = 100) async throws -> String {
        let reply = try await server.request(
            .POST, "/api/acme/_share/mint", key: key,
            body: #"{"element":"sales-board","purpose":"public-widget","max_connections":\#(maxConnections)}"#)
        return try #require(reply.json?["token"]?.stringValue)
    }

    func publishMany(_ server: TestServer, key: String, count: Int) async throws {
        var index = 0
        while index < count {
            let batch = (index..<min(count, index + 500)).map { #"{"subject":"sales-board.b\#($0).started","invocation_id":"i\#($0)"}"# }
            #expect(try await server.publish("acme", key: key, #"{"events":["# + batch.joined(separator: ",") + "]}").status == 201)
            index += batch.count
        }
    }

    /// Every stream route, as raw request heads.
    func heads(key: String, token: String) -> [(String, String)] {
        [
            ("authenticated", "GET /api/events/acme HTTP/1.1\r\nHost: x\r\nX-Api-Key: \(key)\r\n\r\n"),
            ("run", "GET /api/acme/runs/r1/events HTTP/1.1\r\nHost: x\r\nX-Api-Key: \(key)\r\n\r\n"),
            ("public, resumed", "GET /api/public/events/acme?t=\(token) HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 0\r\n\r\n"),
            ("public, fast path", "GET /api/public/events/acme?t=\(token) HTTP/1.1\r\nHost: x\r\n\r\n"),
        ]
    }

    @Test func aResetBeforeTheResponseReleasesTheStream() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let token = try await mint(server, key: key)
        for (name, head) in heads(key: key, token: token) {
            for _ in 0..<20 {
                let connection = try RawConnection(port: server.port)
                try connection.write(head)
                connection.reset()
            }
            #expect(await waitForStreams(server, 0), "\(name): \(server.gateway.hub.streamCount) streams left")
        }
        try await server.stop()
    }

    @Test func aResetWhileLiveReleasesTheStream() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let token = try await mint(server, key: key)
        for (name, head) in heads(key: key, token: token) {
            var connections: [RawConnection] = []
            for _ in 0..<5 {
                let connection = try RawConnection(port: server.port)
                try connection.write(head)
                #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("event: connected") }, "\(name)")
                connections.append(connection)
            }
            #expect(server.gateway.hub.streamCount == 5, "\(name)")
            for connection in connections { connection.reset() }
            #expect(await waitForStreams(server, 0), "\(name): \(server.gateway.hub.streamCount) streams left")
        }
        try await server.stop()
    }

    @Test func aResetDuringAFilteredReplayStopsTheScan() async throws {
        let server = try await TestServer.start { $0.hub.replayPage = 10 }
        let key = try await server.makeCircle("acme")
        try await publishMany(server, key: key, count: 3000)
        // Nothing matches: the replay reads page after page and writes nothing.
        for _ in 0..<5 {
            let connection = try RawConnection(port: server.port)
            try connection.write("GET /api/events/acme?subjects=nomatch.%3E HTTP/1.1\r\nHost: x\r\nX-Api-Key: \(key)\r\nLast-Event-ID: 0\r\n\r\n")
            connection.reset()
        }
        #expect(await waitForStreams(server, 0))
        try await server.stop()
    }

    @Test func abortedViewersDoNotLockATokenOut() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let token = try await mint(server, key: key, maxConnections: 2)
        for _ in 0..<5 {
            let connection = try RawConnection(port: server.port)
            try connection.write("GET /api/public/events/acme?t=\(token) HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 0\r\n\r\n")
            connection.reset()
        }
        #expect(await waitForStreams(server, 0))
        let viewer = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)")
        #expect(viewer.status == 200)
        viewer.close()
        try await server.stop()
    }

    @Test(arguments: ["15", "1000", "9223372036854775807"])
    func aResumePointBeyondTheNewestEventIs400(lastEventID: String) async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        try await publishMany(server, key: key, count: 14)
        for path in ["/api/events/acme", "/api/acme/runs/r1/events"] {
            let reply = try await server.request(.GET, path, key: key, headers: [("Last-Event-ID", lastEventID)])
            #expect(reply.status == 400, "\(path)")
            #expect(reply.code == "invalid_request", "\(path)")
            let query = try await server.request(.GET, path + "?last_event_id=\(lastEventID)", key: key)
            #expect(query.status == 400 && query.code == "invalid_request", "\(path)")
        }
        #expect(await waitForStreams(server, 0))
        // The newest id itself is a resume point: nothing to replay, then live.
        let newest = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key), ("Last-Event-ID", "14")])
        #expect(newest.status == 200)
        newest.close()
        try await server.stop()
    }
}
