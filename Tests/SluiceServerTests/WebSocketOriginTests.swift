import Foundation
import SluiceCore
import SluiceCrypto
import SluiceServer
import SluiceTesting
import Testing

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Cross-site WebSocket hijacking (contract section 2): an upgrade that
/// only the `sluice_session` cookie authenticates is accepted without an
/// `Origin` or from a listed one; refusals are problem+json.
@Suite struct WebSocketOriginTests {
    static let secret = Array("a-session-secret-of-at-least-32-bytes!!".utf8)
    static let issuer = "https://id.portal.test"

    func start() async throws -> TestServer {
        let key = try JWTKey(id: "hs", algorithm: .hs256, material: WebSocketOriginTests.secret)
        return try await TestServer.start { config in
            config.issuers = [.init(issuer: WebSocketOriginTests.issuer, audience: "sluice", keys: [key])]
            config.sessionAllowedOrigins = ["https://portal.example"]
        }
    }

    func session() throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let claims: JSONValue = .object([
            ("sub", .string("u_1")), ("iss", .string(WebSocketOriginTests.issuer)), ("aud", .string("sluice")),
            ("exp", .number(String(now + 3600))), ("circles", .object([("acme", .array([.string("events:read")]))])),
        ])
        return try JWTSigner.mint(claims: claims, key: try JWTKey(id: "hs", algorithm: .hs256, material: WebSocketOriginTests.secret))
    }

    /// Sends a WebSocket upgrade on a raw socket and returns what came back:
    /// up to the end of a 101 head, or everything until the server closes.
    /// The blocking socket runs on a dispatch thread, never on the task pool
    /// the in-process server needs.
    func upgrade(_ server: TestServer, path: String = "/api/events/acme/ws", headers: [(String, String)]) async -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let port = server.port
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [request] in continuation.resume(returning: WebSocketOriginTests.exchange(port: port, request: request)) }
        }
    }

    static func exchange(port: Int, request: String) -> String {
        guard
            let fd = try? LoopbackSocket.connected(
                to: port,
                configure: { fd in
                    var timeout = timeval(tv_sec: 5, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                })
        else { return "" }
        defer { close(fd) }
        let bytes = Array(request.utf8)
        guard send(fd, bytes, bytes.count, 0) == bytes.count else { return "" }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<64 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
            let text = String(decoding: received, as: UTF8.self)
            if text.hasPrefix("HTTP/1.1 101"), text.contains("\r\n\r\n") { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    func body(_ response: String) -> JSONValue? {
        guard let range = response.range(of: "\r\n\r\n") else { return nil }
        return try? JSONValue.parse(String(response[range.upperBound...]))
    }

    @Test func aCookieUpgradeFromAnotherSiteIsRefused() async throws {
        let server = try await start()
        _ = try await server.makeCircle("acme")
        let cookie = ("Cookie", "sluice_session=\(try session())")
        let evil = await upgrade(server, headers: [cookie, ("Origin", "https://evil.example")])
        #expect(evil.hasPrefix("HTTP/1.1 403"), "\(evil)")
        #expect(evil.lowercased().contains("content-type: application/problem+json"))
        #expect(body(evil)?["code"] == .string("forbidden"))
        #expect(await upgrade(server, headers: [cookie, ("Origin", "https://PORTAL.example:443")]).hasPrefix("HTTP/1.1 101"))
        #expect(await upgrade(server, headers: [cookie]).hasPrefix("HTTP/1.1 101"), "no Origin: not a browser across sites")
        let key = try await server.makeKey("acme", scopes: ["events:read"])
        #expect(
            await upgrade(server, headers: [("X-Api-Key", key), ("Origin", "https://evil.example")]).hasPrefix("HTTP/1.1 101"),
            "header-authenticated upgrades are unaffected")
        try await server.stop()
    }

    @Test func refusedUpgradesAnswerProblemJSON() async throws {
        let server = try await start()
        let key = try await server.makeCircle("acme")
        let publisher = try await server.makeKey("acme", scopes: ["events:publish"])
        let cases: [(path: String, headers: [(String, String)], status: Int, code: String)] = [
            ("/api/events/acme/ws", [], 401, "unauthorized"),
            ("/api/events/acme/ws", [("X-Api-Key", publisher)], 403, "forbidden"),
            ("/api/events/ghost/ws", [("X-Api-Key", server.adminKey)], 404, "not_found"),
            ("/api/events/acme/ws?subjects=a..b", [("X-Api-Key", key)], 400, "invalid_request"),
            ("/api/circles", [("X-Api-Key", key)], 400, "invalid_request"),
        ]
        for item in cases {
            let response = await upgrade(server, path: item.path, headers: item.headers)
            #expect(response.hasPrefix("HTTP/1.1 \(item.status)"), "\(item.path): \(response)")
            #expect(body(response)?["code"] == .string(item.code), "\(item.path)")
        }
        try await server.stop()
    }
}
