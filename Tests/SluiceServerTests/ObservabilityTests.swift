import Foundation
import NIOCore
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceServer

/// Request ids, JSON log lines, secrets kept out of every log format, and
/// W3C trace context on ingest.
@Suite struct ObservabilityTests {
    /// Every credential a test used: keys (whole and secret part), the
    /// platform key, share tokens.
    func secrets(_ server: TestServer, keys: [String], tokens: [String]) -> [String] {
        var out = [server.adminKey, String(server.adminKey.split(separator: "_")[2])]
        for key in keys { out += [key, String(key.split(separator: "_")[2])] }
        return out + tokens + tokens.map { String($0.split(separator: ".").last ?? "") }
    }

    /// Drives a little of everything that logs, with secrets in play.
    func exercise(_ server: TestServer) async throws -> (keys: [String], tokens: [String]) {
        let key = try await server.makeCircle("acme")
        let mint = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        let token = try #require(mint.json?["token"]?.stringValue)
        let stream = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)")
        stream.close()
        try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.started","invocation_id":"i1"}"#)
        let rotated = try await server.request(.POST, "/api/acme/keys/\(key.split(separator: "_")[1])/rotate", key: server.adminKey)
        let newKey = try #require(rotated.json?["key"]?.stringValue)
        _ = try await server.request(.GET, "/api/acme/keys", key: key)
        _ = try await server.request(.GET, "/api/acme/keys", headers: [("Authorization", "Bearer \(token)")])
        _ = try await server.request(.GET, "/api/public/events/acme?t=\(token)x")
        return ([key, newKey], [token])
    }

    @Test(arguments: ["text", "json"]) func noSecretInAnyLogFormat(format: String) async throws {
        let server = try await TestServer.start { $0.logFormat = format }
        let (keys, tokens) = try await exercise(server)
        try await server.stop()
        let logs = server.logs.text
        #expect(logs.contains("request"), "the access log was captured")
        for secret in secrets(server, keys: keys, tokens: tokens) where !secret.isEmpty {
            #expect(!logs.contains(secret), "a secret reached the \(format) log")
        }
    }

    @Test func jsonLinesHaveAStableKeySetAndCarryTheRequestID() async throws {
        let server = try await TestServer.start { $0.logFormat = "json" }
        let key = try await server.makeCircle("acme")
        let reply = try await server.request(.GET, "/api/acme/keys", key: key, headers: [("X-Request-Id", "trace-me.42")])
        #expect(reply.headers["X-Request-Id"].first == "trace-me.42")
        try await server.stop()
        let lines = server.logs.all
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try #require(try? JSONValue.parse(line), "every line is JSON: \(line)")
            #expect(object.objectMembers?.map(\.0) == ["timestamp", "level", "logger", "message", "metadata"])
            #expect(object["timestamp"]?.stringValue?.hasSuffix("Z") == true)
        }
        let access = lines.compactMap { try? JSONValue.parse($0) }.filter {
            $0["message"] == .string("request") && $0["metadata"]?["request_id"] == .string("trace-me.42")
        }
        #expect(access.count == 1)
        #expect(access.first?["metadata"]?["route"] == .string("/api/{circle}/keys"))
        #expect(access.first?["metadata"]?["status"] == .string("200"))
    }

    /// A generated id is the process's random prefix and a counter, each 16
    /// lowercase hex digits; written into a buffer it reads as `generate()`'s.
    @Test func generatedRequestIDsArePrefixAndCounterInLowercaseHex() throws {
        let first = RequestID.generate()
        var buffer = ByteBuffer()
        RequestID.write(to: &buffer)
        let second = String(buffer: buffer)
        for id in [first, second] {
            #expect(id.utf8.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }, "\(id)")
        }
        #expect(first.prefix(16) == second.prefix(16))
        let counters = try [first, second].map { try #require(UInt64($0.suffix(16), radix: 16)) }
        #expect(counters[1] > counters[0])
    }

    @Test func requestIDsAreAcceptedWhenSaneAndGeneratedOtherwise() async throws {
        let server = try await TestServer.start()
        let generated = try await server.request(.GET, "/healthz")
        let first = try #require(generated.headers["X-Request-Id"].first)
        #expect(first.count == 32 && first.allSatisfy(\.isHexDigit))
        #expect(try await server.request(.GET, "/healthz").headers["X-Request-Id"].first != first)
        for insane in [String(repeating: "a", count: 129), "a b", "a\"b", "<script>"] {
            let reply = try await server.request(.GET, "/healthz", headers: [("X-Request-Id", insane)])
            #expect(reply.headers["X-Request-Id"].first?.count == 32, "\(insane) is replaced")
        }
        let problem = try await server.request(.GET, "/api/acme/keys", headers: [("X-Request-Id", "abc-1")])
        #expect(problem.status == 401 && problem.headers["X-Request-Id"].first == "abc-1", "errors carry it too")
        try await server.stop()
        #expect(server.logs.all.contains { $0.contains("request_id=abc-1") && $0.contains("status=401") })
    }

    @Test(
        arguments: [
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736"),
            ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later", "4bf92f3577b34da6a3ce929d0e0e4736"),
            ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", nil),
            ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", nil),
            ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", nil),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", nil),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", nil),
            ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", nil),
            ("", nil), ("garbage", nil),
        ] as [(String, String?)])
    func traceparentParsing(header: String, trace: String?) {
        #expect(Traceparent.traceID(header) == trace)
    }

    @Test func ingestTakesTheTraceIDFromTraceparent() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        _ = await stream.next()
        let parent = ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        let batch = #"{"events":[{"subject":"t.a"},{"subject":"t.b","trace_id":"own"}]}"#
        #expect(try await server.request(.POST, "/api/acme/events", key: key, headers: [parent], body: batch).status == 201)
        let malformed = ("traceparent", "00-zz-00f067aa0ba902b7-01")
        #expect(try await server.request(.POST, "/api/acme/events", key: key, headers: [malformed], body: #"{"subject":"t.c"}"#).status == 201)
        let envelopes = await stream.events(3).compactMap { try? JSONValue.parse($0.data) }
        #expect(envelopes.map { $0["trace_id"] } == [.string("4bf92f3577b34da6a3ce929d0e0e4736"), .string("own"), .null])
        stream.close()
        try await server.stop()
    }

    @Test func logFormatIsASetting() throws {
        #expect(try SluiceConfiguration.load(file: nil, environment: [:]).logFormat == "text")
        #expect(try SluiceConfiguration.load(file: nil, environment: ["SLUICE_LOG_FORMAT": "json"]).logFormat == "json")
        #expect(throws: SluiceError.self) { try SluiceConfiguration.load(file: nil, environment: ["SLUICE_LOG_FORMAT": "xml"]) }
    }
}
