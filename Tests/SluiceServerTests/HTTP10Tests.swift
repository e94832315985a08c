import Foundation
import SluiceTesting
import Testing

@testable import SluiceServer

/// HTTP/1.0 has no chunked coding: through a real server, every path answers
/// an HTTP/1.0 request with a `Content-Length` or a close-delimited body, and
/// keeps the connection only when the client asked and the length is known.
@Suite struct HTTP10Tests {
    /// A response read from a raw connection: its head and what followed it.
    struct Answer {
        let statusLine: String
        let headers: [(name: String, value: String)]
        let body: String

        init?(_ text: String) {
            guard let end = text.range(of: "\r\n\r\n") else { return nil }
            let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
            statusLine = lines[0]
            headers = lines.dropFirst().compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]).lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            body = String(text[end.upperBound...])
        }

        func header(_ name: String) -> [String] { headers.filter { $0.name == name }.map(\.value) }
    }

    func exchange(_ connection: RawConnection, _ head: String) async throws -> Answer? {
        try connection.write(head)
        _ = await connection.status()
        return Answer(connection.text)
    }

    /// Checks a close-delimited stream: no chunk framing, `Connection: close`.
    func expectCloseDelimited(_ answer: Answer?, _ path: String) {
        #expect(answer?.statusLine == "HTTP/1.0 200 OK", "\(path)")
        #expect(answer?.header("transfer-encoding") == [], "\(path)")
        #expect(answer?.header("content-length") == [], "\(path)")
        #expect(answer?.header("connection") == ["close"], "\(path)")
    }

    @Test func aBodyOfKnownLengthGetsItsLengthAndTheConnectionCloses() async throws {
        let server = try await TestServer.start()
        for path in ["/healthz", "/api/nowhere", "/api/acme/events"] {
            let connection = try RawConnection(port: server.port)
            let answer = try await exchange(connection, "GET \(path) HTTP/1.0\r\n\r\n")
            #expect(answer?.statusLine.hasPrefix("HTTP/1.0 ") == true, "\(path)")
            #expect(answer?.header("transfer-encoding") == [], "\(path)")
            #expect(answer?.header("connection") == ["close"], "\(path)")
            let length = try #require(answer?.header("content-length").first.flatMap { Int($0) }, "\(path)")
            #expect(await connection.waitForClose(), "\(path): closed after the response")
            #expect(Answer(connection.text)?.body.utf8.count == length, "\(path)")
        }
        try await server.stop()
    }

    @Test func keepAliveIsKeptOnlyWhenAskedForAndTheLengthIsKnown() async throws {
        let server = try await TestServer.start()
        let connection = try RawConnection(port: server.port)
        let first = try await exchange(connection, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(first?.header("connection") == ["keep-alive"])
        let length = try #require(first?.header("content-length").first.flatMap { Int($0) })
        #expect(await connection.read { Answer(String(decoding: $0, as: UTF8.self))?.body.utf8.count == length })
        #expect(!connection.closedByServer)
        // The same connection answers the next request, then closes as asked.
        try connection.write("GET /api/nowhere HTTP/1.0\r\n\r\n")
        #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("HTTP/1.0 404") })
        #expect(await connection.waitForClose())
        try await server.stop()
    }

    @Test func anAuthenticatedStreamIsCloseDelimited() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let connection = try RawConnection(port: server.port)
        let head = try await exchange(connection, "GET /api/events/acme HTTP/1.0\r\nX-Api-Key: \(key)\r\nConnection: keep-alive\r\n\r\n")
        expectCloseDelimited(head, "events")
        #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("event: connected") })
        try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.started","invocation_id":"i1"}"#)
        #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("event: sales-board.b1.started") })
        // Live frames are written as they are: the body is the SSE text itself.
        let body = try #require(Answer(connection.text)?.body)
        #expect(body.hasPrefix("event: connected") || body.hasPrefix(":") || body.hasPrefix("retry:"), "\(body)")
        #expect(body.contains("\n\nid: ") || body.contains("\n\nevent: sales-board"), "no chunk sizes between frames: \(body)")
        connection.disconnect()
        try await server.stop()
    }

    @Test func aRunStreamEndsWithTheConnection() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let connection = try RawConnection(port: server.port)
        expectCloseDelimited(try await exchange(connection, "GET /api/acme/runs/r1/events HTTP/1.0\r\nX-Api-Key: \(key)\r\n\r\n"), "run")
        try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.started","invocation_id":"r1"}"#)
        try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.completed","invocation_id":"r1"}"#)
        // The run's end ends the body, which is the connection's close.
        #expect(await connection.waitForClose())
        let body = try #require(Answer(connection.text)?.body)
        #expect(body.contains("event: sales-board.b1.completed"))
        #expect(!body.hasSuffix("0\r\n\r\n"), "no last chunk")
        try await server.stop()
    }

    /// The first stream of a token goes through the route; the second, which
    /// an HTTP/1.1 client gets from the fast path, is declined there and
    /// answered by the route too; so is a resume.
    @Test func publicStreamsAreCloseDelimitedOnEveryPath() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        let token = try #require(minted.json?["token"]?.stringValue)
        let published = try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.completed","payload":{"output":{"total":1}}}"#)
        #expect(published.status == 201)
        var connections: [RawConnection] = []
        for (name, extra) in [("first use", ""), ("known token", ""), ("resume", "Last-Event-ID: 0\r\n")] {
            let connection = try RawConnection(port: server.port)
            expectCloseDelimited(try await exchange(connection, "GET /api/public/events/acme?t=\(token) HTTP/1.0\r\n\(extra)\r\n"), name)
            #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("event: connected") }, "\(name)")
            connections.append(connection)
        }
        #expect(await connections[2].read { String(decoding: $0, as: UTF8.self).contains("event: sales-board.b1.completed") })
        // Shutting down ends every stream, and with it its connection.
        try await server.stop()
        for connection in connections {
            #expect(await connection.waitForClose())
            #expect(!connection.text.hasSuffix("0\r\n\r\n"))
        }
    }

    @Test func anHTTP10ClientGetsNoInterimResponseAndNoUpgrade() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let body = #"{"subject":"sales-board.b1.started","invocation_id":"i1"}"#
        let post = try RawConnection(port: server.port)
        try post.write(
            "POST /api/acme/events HTTP/1.0\r\nX-Api-Key: \(key)\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        )
        try post.write(body)
        #expect(await post.waitForClose())
        #expect(post.text.hasPrefix("HTTP/1.0 20"), "\(post.text)")
        #expect(!post.text.contains("100 Continue"))
        let upgrade = try RawConnection(port: server.port)
        let answer = try await exchange(
            upgrade,
            "GET /api/events/acme/ws HTTP/1.0\r\nX-Api-Key: \(key)\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        #expect(answer?.statusLine.hasPrefix("HTTP/1.0 ") == true && answer?.statusLine.contains("101") == false, "\(upgrade.text)")
        try await server.stop()
    }

    /// HTTP/1.1 is untouched: a stream is still chunked.
    @Test func anHTTP11StreamIsStillChunked() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let connection = try RawConnection(port: server.port)
        let answer = try await exchange(connection, "GET /api/events/acme HTTP/1.1\r\nHost: x\r\nX-Api-Key: \(key)\r\n\r\n")
        #expect(answer?.statusLine == "HTTP/1.1 200 OK")
        #expect(answer?.header("transfer-encoding") == ["chunked"])
        connection.disconnect()
        try await server.stop()
    }
}
