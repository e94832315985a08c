import Foundation
import SluiceCore
import SluiceCrypto
import SluiceServer
import SluiceTesting
import Testing

/// Portal session JWTs (contract section 2) against a real server: accepted
/// from `Authorization: Bearer` and the `sluice_session` cookie, refused with
/// 401 for every attack in the list.
@Suite struct SessionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SluiceCryptoTests/Fixtures")
    static let hmacSecret = Array("an-hs256-portal-secret-of-at-least-32-bytes".utf8)
    static let issuer = "https://id.portal.test"

    static func pem(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    func start() async throws -> TestServer {
        let rsPublic = try JWTKey(id: "rs", algorithm: .rs256, material: SessionTests.pem("rs256-public.pem"))
        let esPublic = try JWTKey(id: "es", algorithm: .es256, material: SessionTests.pem("es256-public.pem"))
        let hs = try JWTKey(id: "hs", algorithm: .hs256, material: SessionTests.hmacSecret)
        return try await TestServer.start { config in
            config.issuers = [.init(issuer: SessionTests.issuer, audience: "sluice", keys: [rsPublic, esPublic, hs])]
        }
    }

    func claims(exp: Int64 = 3600, nbf: Int64? = nil, iss: String = issuer, aud: JSONValue = .string("sluice")) -> JSONValue {
        let now = Int64(Date().timeIntervalSince1970)
        var members: [(String, JSONValue)] = [
            ("sub", .string("u_1")), ("iss", .string(iss)), ("aud", aud), ("exp", .number(String(now + exp))),
            ("circles", .object([("acme", .array([.string("events:read"), .string("keys:manage")]))])),
        ]
        if let nbf { members.append(("nbf", .number(String(now + nbf)))) }
        return .object(members)
    }

    func token(_ claims: JSONValue, kid: String = "rs") throws -> String {
        switch kid {
        case "rs":
            return try JWTSigner.mint(claims: claims, key: JWTKey(id: "rs", algorithm: .rs256, material: SessionTests.pem("rs256-private.pem")))
        case "es":
            return try JWTSigner.mint(claims: claims, key: JWTKey(id: "es", algorithm: .es256, material: SessionTests.pem("es256-private.pem")))
        default: return try JWTSigner.mint(claims: claims, key: JWTKey(id: kid, algorithm: .hs256, material: SessionTests.hmacSecret))
        }
    }

    func status(_ server: TestServer, bearer: String) async throws -> Int {
        try await server.request(.GET, "/api/acme/keys", headers: [("Authorization", "Bearer \(bearer)")]).status
    }

    @Test func validSessionsAreAcceptedFromBearerAndCookie() async throws {
        let server = try await start()
        _ = try await server.makeCircle("acme")
        _ = try await server.makeCircle("other")
        for kid in ["rs", "es", "hs"] {
            #expect(try await status(server, bearer: token(claims(), kid: kid)) == 200, "kid \(kid)")
        }
        let cookie = try await server.request(.GET, "/api/acme/keys", headers: [("Cookie", "a=b; sluice_session=\(try token(claims()))")])
        #expect(cookie.status == 200)
        #expect(try await server.request(.GET, "/api/other/keys", headers: [("Authorization", "Bearer \(try token(claims()))")]).status == 403)
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("Cookie", "sluice_session=\(try token(claims()))")])
        #expect(stream.status == 200)
        stream.close()
        try await server.stop()
    }

    static func unsigned(alg: String) -> String {
        let header = Base64URL.encode(Array(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8))
        let now = Int64(Date().timeIntervalSince1970)
        let body = Base64URL.encode(
            Array(#"{"sub":"u","iss":"\#(issuer)","aud":"sluice","exp":\#(now + 3600),"circles":{"acme":["keys:manage"]}}"#.utf8))
        return "\(header).\(body)."
    }

    @Test func attacksAreRefused() async throws {
        let server = try await start()
        _ = try await server.makeCircle("acme")
        var attacks: [(String, String)] = []
        for alg in ["none", "None", "NONE", "nOnE"] {
            attacks.append(("alg \(alg)", SessionTests.unsigned(alg: alg)))
            attacks.append(("alg \(alg) with signature", SessionTests.unsigned(alg: alg) + "c2ln"))
        }
        // HS256 signed with the RS256 and ES256 public keys' PEM as the HMAC secret, under their kids.
        for (kid, file) in [("rs", "rs256-public.pem"), ("es", "es256-public.pem")] {
            let forged = try JWTSigner.mint(claims: claims(), key: JWTKey(id: kid, algorithm: .hs256, material: SessionTests.pem(file)))
            attacks.append(("HS256 over the \(kid) public PEM", forged))
        }
        let wrongKey = try JWTSigner.mint(
            claims: claims(), key: JWTKey(id: "rs", algorithm: .rs256, material: SessionTests.pem("rs256-other-private.pem")))
        attacks.append(("wrong key", wrongKey))
        let good = try token(claims())
        let parts = good.split(separator: ".").map(String.init)
        let tamperedBody = Base64URL.encode(Array(claims(exp: 999_999).jsonText.utf8))
        attacks.append(("tampered payload", "\(parts[0]).\(tamperedBody).\(parts[2])"))
        attacks.append(("expired", try token(claims(exp: -10))))
        attacks.append(("not yet valid", try token(claims(nbf: 600))))
        attacks.append(("wrong iss", try token(claims(iss: "https://evil.test"))))
        attacks.append(("wrong aud", try token(claims(aud: .string("someone-else")))))
        attacks.append(("wrong aud list", try token(claims(aud: .array([.string("a"), .string("b")])))))
        attacks.append(("unknown kid", try token(claims(), kid: "nobody")))
        attacks.append(("100 KB", good + String(repeating: "A", count: 100 * 1024)))
        attacks.append(("garbage", "not.a.jwt"))
        attacks.append(("garbage 2", "eyJ!!!.###.$$$"))
        attacks.append(("truncated", String(good.dropLast(10))))
        attacks.append(("no exp", try token(.object([("sub", .string("u")), ("iss", .string(SessionTests.issuer)), ("aud", .string("sluice"))]))))
        for (name, attack) in attacks {
            #expect(try await status(server, bearer: attack) == 401, "\(name)")
            let cookie = try await server.request(.GET, "/api/acme/keys", headers: [("Cookie", "sluice_session=\(attack)")])
            #expect(cookie.status == 401, "\(name) as cookie")
        }
        let accepted = try await status(server, bearer: good)
        #expect(accepted == 200, "the control token passes")
        try await server.stop()
    }

    @Test func sessionsNeverGetPlatformAdmin() async throws {
        let server = try await start()
        let admin = JSONValue.object([
            ("sub", .string("u")), ("iss", .string(SessionTests.issuer)), ("aud", .string("sluice")),
            ("exp", .number(String(Int64(Date().timeIntervalSince1970) + 600))),
            ("circles", .object([("acme", .array([.string("platform:admin")]))])),
        ])
        let reply = try await server.request(.GET, "/api/circles", headers: [("Authorization", "Bearer \(try token(admin))")])
        #expect(reply.status == 403)
        try await server.stop()
    }
}
