import Foundation
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceServer

/// Answers the contract fixes for requests the routes did not expect.
@Suite struct RouteAnswerTests {
    @Test func aKnownRouteWithAnotherMethodIs405WithAllow() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        for (method, path, allow) in [
            ("DELETE", "/api/events/acme", "GET"), ("PUT", "/api/acme/events", "POST"), ("POST", "/healthz", "GET"),
            ("PATCH", "/api/circles", "GET, POST"), ("POST", "/api/public/events/acme", "GET, OPTIONS"),
        ] {
            let reply = try await server.request(.init(rawValue: method), path, key: key)
            #expect(reply.status == 405, "\(method) \(path)")
            #expect(reply.code == "method_not_allowed", "\(method) \(path)")
            #expect(reply.headers["Allow"].first == allow, "\(method) \(path)")
        }
        #expect(try await server.request(.GET, "/api/nothing/here").status == 404)
        try await server.stop()
    }

    @Test(.timeLimit(.minutes(1))) func aRunIDIsPercentDecoded() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        try await server.publish("acme", key: key, #"{"subject":"a.b.started","invocation_id":"inv 2","run_id":"inv 2"}"#)
        try await server.publish("acme", key: key, #"{"subject":"a.b.completed","invocation_id":"inv 2","run_id":"inv 2"}"#)
        let stream = try await SSEClient(url: server.baseURL + "/api/acme/runs/inv%202/events", headers: [("X-Api-Key", key)])
        #expect(stream.status == 200)
        #expect(await stream.events(2).map(\.name) == ["a.b.started", "a.b.completed"])
        #expect(await stream.waitForEnd(timeout: .seconds(5)), "the run is over: the stream closes")
        // A malformed escape is refused, not served as a literal run (sent
        // raw: the HTTP client does not send such a URL at all).
        for path in ["/api/acme/runs/inv%zz/events", "/api/acme/runs/inv%2/events"] {
            let connection = try RawConnection(port: server.port)
            try connection.write("GET \(path) HTTP/1.1\r\nHost: x\r\nX-Api-Key: \(key)\r\n\r\n")
            #expect(await connection.status() == 400, "\(path)")
            #expect(connection.text.contains("invalid_request"), "\(path)")
        }
        try await server.stop()
    }

    @Test func aRawUTF8PathIsAnswered() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let connection = try RawConnection(port: server.port)
        try connection.write(
            Array("GET /api/acme/runs/".utf8) + [0xC3, 0xA9] + Array("/events HTTP/1.1\r\nHost: x\r\nX-Api-Key: \(key)\r\n\r\n".utf8))
        let status = await connection.status()
        #expect(status == 400 || status == 200, "\(connection.text)")
        try await server.stop()
    }

    @Test func expect100ContinueIsAnsweredBeforeTheBody() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let body = #"{"subject":"a.b.started","invocation_id":"i1"}"#
        let connection = try RawConnection(port: server.port)
        try connection.write(
            "POST /api/acme/events HTTP/1.1\r\nHost: x\r\nX-Api-Key: \(key)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        #expect(await connection.status() == 100, "\(connection.text)")
        try connection.write(body)
        #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("201 Created") }, "\(connection.text)")
        try await server.stop()
    }

    @Test(arguments: ["zz", "-1", "FFFFFFFFFFFFFFFFFFFF"])
    func aBadChunkSizeIs400NotAnInternalError(size: String) async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let connection = try RawConnection(port: server.port)
        try connection.write(
            "POST /api/acme/events HTTP/1.1\r\nHost: x\r\nX-Api-Key: \(key)\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n\(size)\r\n{}\r\n0\r\n\r\n")
        #expect(await connection.status() == 400, "\(connection.text)")
        #expect(await connection.waitForClose())
        #expect(!server.logs.text.contains("request failed"), "no error log line")
        try await server.stop()
    }
}
