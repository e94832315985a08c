import Foundation
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceServer

/// What a hostile connection gets, through a real server on loopback: every
/// head NIO's decoder refuses is answered 400 and closed, a head never
/// finished is closed at its deadline, an idle keep-alive connection at its
/// own, and past the connection cap new sockets are closed at once.
@Suite struct ConnectionDefenceTests {
    /// First requests NIO's decoder refuses; the same bytes as a second
    /// request got 400 all along, as a first one they got no answer.
    static let refusedHeads: [(String, [UInt8])] = [
        ("bare LF", Array("GET /api/events/acme HTTP/1.1\nHost: x\n\n".utf8)),
        ("bare LF, public stream", Array("GET /api/public/events/acme?t=x HTTP/1.1\nHost: x\n\n".utf8)),
        ("obs-fold", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n".utf8)),
        ("space before colon", Array("GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n".utf8)),
        ("0x01 in a name", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX\u{01}A: a\r\n\r\n".utf8)),
        ("0x7F in a value", Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u{7F}b\r\n\r\n".utf8)),
        (
            "Content-Length with Transfer-Encoding",
            Array("POST /api/acme/events HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8)
        ),
        ("two Content-Lengths", Array("POST /api/acme/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".utf8)),
        (
            "too many headers",
            Array(("GET /healthz HTTP/1.1\r\nHost: x\r\n" + (0..<1001).map { "X-\($0): v\r\n" }.joined() + "\r\n").utf8)
        ),
        ("lowercase method", Array("get /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
        ("HTTP/1.2", Array("GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n".utf8)),
        ("TLS ClientHello", [0x16, 0x03, 0x01, 0x00, 0x2F, 0x01, 0x00, 0x00, 0x2B, 0x03, 0x03] + [UInt8](repeating: 0x41, count: 40)),
        ("public stream, control byte", Array("GET /api/public/events/acme?t=x HTTP/1.1\r\nHost: x\u{01}\r\n\r\n".utf8)),
    ]

    @Test func everyRefusedFirstHeadIsAnswered400AndClosed() async throws {
        let server = try await TestServer.start()
        for (name, bytes) in Self.refusedHeads {
            let connection = try RawConnection(port: server.port)
            try connection.write(bytes)
            #expect(await connection.status() == 400, "\(name): \(connection.text)")
            #expect(await connection.waitForClose(), "\(name): the connection is closed")
        }
        try await server.stop()
    }

    @Test func theSameHeadAsASecondRequestIsAnsweredAlike() async throws {
        let server = try await TestServer.start()
        for (name, bytes) in Self.refusedHeads {
            let connection = try RawConnection(port: server.port)
            try connection.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.status() == 200, "\(name)")
            try connection.write(bytes)
            #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("400 Bad Request") }, "\(name): \(connection.text)")
            #expect(await connection.waitForClose(), "\(name)")
        }
        try await server.stop()
    }

    @Test(arguments: ["", "GET /api/events/acme HTTP/1.1\r\nHost: x\r\n", "GET /api/public/events/acme?t=x HTTP/1.1\r\nHo", "G"])
    func aHeadNeverFinishedIsClosedAtItsDeadline(partial: String) async throws {
        let server = try await TestServer.start { $0.requestHeadTimeoutSeconds = 0.5 }
        let connection = try RawConnection(port: server.port)
        if !partial.isEmpty { try connection.write(partial) }
        let started = ContinuousClock.now
        #expect(await connection.waitForClose(timeout: .seconds(5)))
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(connection.received.isEmpty, "nothing is answered")
        try await server.stop()
    }

    @Test func aHeadSentInTimeIsServedAfterTheDeadlinePassed() async throws {
        let server = try await TestServer.start { $0.requestHeadTimeoutSeconds = 0.3 }
        let connection = try RawConnection(port: server.port)
        try connection.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await connection.status() == 200)
        // Past the head deadline the connection is still open for keep-alive.
        try await Task.sleep(for: .milliseconds(600))
        try connection.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await connection.read { String(decoding: $0, as: UTF8.self).components(separatedBy: "200 OK").count == 3 })
        try await server.stop()
    }

    @Test func anIdleKeepAliveConnectionIsClosed() async throws {
        let server = try await TestServer.start { $0.keepAliveIdleSeconds = 0.5 }
        let connection = try RawConnection(port: server.port)
        try connection.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await connection.status() == 200)
        let started = ContinuousClock.now
        #expect(await connection.waitForClose(timeout: .seconds(5)))
        #expect(ContinuousClock.now - started < .seconds(4))
        try await server.stop()
    }

    @Test func streamsAreExemptOnceTheirHeadIsSent() async throws {
        let server = try await TestServer.start {
            // Long enough that the client's pooled connection from the mint
            // is not closed under it as the streams open.
            $0.keepAliveIdleSeconds = 1
            $0.requestHeadTimeoutSeconds = 1
        }
        let key = try await server.makeCircle("acme")
        let token = try #require(
            try await server.request(
                .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#
            ).json?["token"]?.stringValue)
        // Routed, then (the token now known) on the fast path, and authenticated.
        let routed = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)")
        let fast = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)")
        let member = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        try await Task.sleep(for: .milliseconds(2500))
        try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.started","invocation_id":"i1"}"#)
        let published = try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.completed","invocation_id":"i1"}"#)
        #expect(published.status == 201)
        for (name, client) in [("routed", routed), ("fast path", fast), ("member", member)] {
            #expect(client.status == 200, "\(name)")
            // The member sees the start as well; the widget's face only the completion.
            #expect(await client.events(name == "member" ? 2 : 1).last?.name == "sales-board.b1.completed", "\(name)")
            client.close()
        }
        try await server.stop()
    }

    @Test func pastTheCapNewConnectionsAreClosedAtOnceAndCounted() async throws {
        let server = try await TestServer.start { $0.maxConnections = 3 }
        let gate = server.connections
        #expect(gate.limit == 3)
        var held: [RawConnection] = []
        for _ in 0..<3 {
            let connection = try RawConnection(port: server.port)
            try connection.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.status() == 200)
            held.append(connection)
        }
        let refused = try RawConnection(port: server.port)
        #expect(await refused.waitForClose(), "over the cap")
        #expect(refused.received.isEmpty)
        #expect(gate.refused == 1)
        held.removeFirst().disconnect()
        // Once one closed, a new connection is served again.
        var served = false
        for _ in 0..<50 where !served {
            let connection = try RawConnection(port: server.port)
            try connection.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            served = await connection.status(timeout: .seconds(1)) == 200
            if !served { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(served)
        try await server.stop()
    }

    @Test func connectionSettingsAreRead() throws {
        let config = try SluiceConfiguration.load(
            file: nil, environment: ["SLUICE_REQUEST_HEAD_TIMEOUT_SECONDS": "2.5", "SLUICE_LIMITS_MAX_CONNECTIONS": "900"])
        #expect(config.requestHeadTimeoutSeconds == 2.5)
        #expect(config.maxConnections == 900)
        #expect(SluiceConfiguration().requestHeadTimeoutSeconds == 10)
        #expect(SluiceConfiguration().keepAliveIdleSeconds == 60)
        for bad in ["0", "-1", "x", "1e300"] {
            #expect(throws: SluiceError.self) {
                try SluiceConfiguration.load(file: nil, environment: ["SLUICE_REQUEST_HEAD_TIMEOUT_SECONDS": bad])
            }
        }
        #expect(ConnectionGate(limit: nil).limit >= 16)
    }

    /// A `sluice serve` process has its descriptor table (`FDSize` in
    /// `/proc/PID/status`) made for its connection cap when it starts
    /// listening, not doubled connection by connection later. Without it a
    /// fresh gateway's table is 256 slots.
    @Test func theDescriptorTableIsMadeForTheLimitAtStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-fd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SystemRandomNumberGenerator()
        let gateway = try await GatewayProcess(
            directory: directory, adminKey: APIKeyToken.generate(using: &generator).text,
            environment: ["SLUICE_LIMITS_MAX_CONNECTIONS": "2000"])
        defer { gateway.kill9() }
        var limits = rlimit()
        try #require(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0)
        let wanted = min(2000 + ConnectionGate.reserve, Int(clamping: limits.rlim_cur))
        #expect(try Self.descriptorTableSlots(process: gateway.process.processIdentifier) >= wanted)
        #expect(!ConnectionGate.sizeDescriptorTable(slots: 0))
        #expect(!ConnectionGate.sizeDescriptorTable(slots: Int.max))
    }

    static func descriptorTableSlots(process: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("FDSize:") })
        return try #require(Int(line.dropFirst("FDSize:".count).trimmingCharacters(in: .whitespaces)))
    }
}
