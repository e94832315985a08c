import Foundation
import SluiceCore
import SluiceCrypto
import Testing

/// Test keys, generated once with the `openssl` CLI and kept as fixtures
/// (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`,
/// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`,
/// `openssl pkey -pubout`). They protect nothing.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func pem(_ name: String) -> [UInt8] {
        let url = directory.appendingPathComponent("\(name).pem")
        guard let data = FileManager.default.contents(atPath: url.path) else { fatalError("missing fixture \(url.path)") }
        return Array(data)
    }

    static let hmacSecret = Array("an HS256 test secret of at least 32 bytes".utf8)
    static let otherHMACSecret = Array("another HS256 secret, also 32 bytes or more".utf8)

    static func signingKey(_ algorithm: JWTAlgorithm, id: String? = nil, other: Bool = false) throws -> JWTKey {
        switch algorithm {
        case .hs256: return try JWTKey(id: id, algorithm: .hs256, material: other ? otherHMACSecret : hmacSecret)
        case .rs256: return try JWTKey(id: id, algorithm: .rs256, material: pem(other ? "rs256-other-private" : "rs256-private"))
        case .es256: return try JWTKey(id: id, algorithm: .es256, material: pem(other ? "es256-other-private" : "es256-private"))
        }
    }

    static func verifyingKey(_ algorithm: JWTAlgorithm, id: String? = nil) throws -> JWTKey {
        switch algorithm {
        case .hs256: return try JWTKey(id: id, algorithm: .hs256, material: hmacSecret)
        case .rs256: return try JWTKey(id: id, algorithm: .rs256, material: pem("rs256-public"))
        case .es256: return try JWTKey(id: id, algorithm: .es256, material: pem("es256-public"))
        }
    }
}

/// A fixed "now" so expiry checks never depend on the wall clock.
private let now = Date(timeIntervalSince1970: 1_773_921_600)
private let nowSeconds = 1_773_921_600
private let issuer = "https://idp.example"
private let audience = "sluice"

private func claims(_ extra: [(String, JSONValue)] = [], dropping: Set<String> = []) -> JSONValue {
    var members: [(String, JSONValue)] = [
        ("sub", .string("u_1")), ("iss", .string(issuer)), ("aud", .string(audience)),
        ("exp", .number(String(nowSeconds + 3600))), ("iat", .number(String(nowSeconds))),
        ("circles", .object([("acme", .array([.string("events:read")]))])),
    ]
    members.removeAll { dropping.contains($0.0) || extra.map(\.0).contains($0.0) }
    return .object(members + extra)
}

private func verifier(_ keys: [JWTKey], leeway: Int64 = 0) -> JWTVerifier {
    JWTVerifier(keys: keys, issuer: issuer, audience: audience, leeway: leeway)
}

private func segment(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

@Suite struct JWTRoundTripTests {
    @Test(arguments: JWTAlgorithm.allCases)
    func mintThenVerify(_ algorithm: JWTAlgorithm) throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(algorithm))
        #expect(token.split(separator: ".").count == 3)
        let header = try JSONValue.parse(try #require(Base64URL.decode(token.split(separator: ".")[0])))
        #expect(header["alg"] == .string(algorithm.rawValue))
        let verified = try verifier([Fixture.verifyingKey(algorithm)]).verify(token, now: now)
        #expect(verified["sub"] == .string("u_1"))
        #expect(verified["circles"]?["acme"] == .array([.string("events:read")]))
        #expect(try JWTVerifier(keys: [Fixture.verifyingKey(algorithm)], issuer: nil, audience: nil).verify(token, now: now)["sub"] != nil)
    }

    @Test(arguments: JWTAlgorithm.allCases)
    func kidSelectsTheKey(_ algorithm: JWTAlgorithm) throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(algorithm, id: "k2"))
        let header = try JSONValue.parse(try #require(Base64URL.decode(token.split(separator: ".")[0])))
        #expect(header["kid"] == .string("k2"))
        let keys = [
            try JWTKey(id: "k1", algorithm: .hs256, material: Fixture.otherHMACSecret),
            try Fixture.verifyingKey(algorithm, id: "k2"),
        ]
        #expect(try verifier(keys).verify(token, now: now)["sub"] == .string("u_1"))
    }

    @Test func audienceMayBeAnArrayHoldingOurs() throws {
        let token = try JWTSigner.mint(
            claims: claims([("aud", .array([.string("portal"), .string(audience)]))]), key: Fixture.signingKey(.hs256))
        #expect(try verifier([Fixture.verifyingKey(.hs256)]).verify(token, now: now)["sub"] == .string("u_1"))
    }

    @Test func leewayToleratesSmallClockSkew() throws {
        let token = try JWTSigner.mint(
            claims: claims([("exp", .number(String(nowSeconds - 30))), ("nbf", .number(String(nowSeconds + 30)))]),
            key: Fixture.signingKey(.hs256))
        #expect(throws: JWTError.self) { try verifier([Fixture.verifyingKey(.hs256)]).verify(token, now: now) }
        #expect(try verifier([Fixture.verifyingKey(.hs256)], leeway: 60).verify(token, now: now)["sub"] != nil)
    }

    @Test func nbfAtNowIsAccepted() throws {
        let token = try JWTSigner.mint(claims: claims([("nbf", .number(String(nowSeconds)))]), key: Fixture.signingKey(.hs256))
        #expect(try verifier([Fixture.verifyingKey(.hs256)]).verify(token, now: now)["sub"] != nil)
    }

    /// Time claims at the edges of Int64 are compared without overflowing
    /// (a trap would take the whole gateway down).
    @Test func extremeTimeClaimsDoNotCrash() throws {
        let key = try Fixture.signingKey(.hs256)
        let lenient = verifier([try Fixture.verifyingKey(.hs256)], leeway: 60)
        let far = try JWTSigner.mint(
            claims: claims([("exp", .number(String(Int64.max))), ("nbf", .number(String(Int64.min)))]), key: key)
        #expect(try lenient.verify(far, now: now)["sub"] == .string("u_1"))

        let ancient = try JWTSigner.mint(claims: claims([("exp", .number(String(Int64.min)))]), key: key)
        #expect(throws: JWTError("expired")) { try lenient.verify(ancient, now: now) }

        let huge = try JWTSigner.mint(claims: claims([("exp", .number("1e300"))]), key: key)
        #expect(throws: JWTError("exp required")) { try lenient.verify(huge, now: now) }

        let fractional = try JWTSigner.mint(claims: claims([("exp", .number("\(nowSeconds + 10).5"))]), key: key)
        #expect(try lenient.verify(fractional, now: now)["sub"] != nil)
    }

    @Test func keysRefuseWrongMaterial() {
        #expect(throws: JWTError.self) { try JWTKey(id: nil, algorithm: .hs256, material: []) }
        #expect(throws: JWTError.self) { try JWTKey(id: nil, algorithm: .hs256, material: Array(repeating: 1, count: 31)) }
        #expect(throws: JWTError.self) { try JWTKey(id: nil, algorithm: .rs256, material: Fixture.hmacSecret) }
        #expect(throws: JWTError.self) { try JWTKey(id: nil, algorithm: .es256, material: Fixture.hmacSecret) }
    }

    @Test func claimsMustBeAnObject() throws {
        #expect(throws: JWTError.self) { try JWTSigner.mint(claims: .array([]), key: Fixture.signingKey(.hs256)) }
    }
}

/// Every way a token must be refused, one test each.
@Suite struct JWTRejectionTests {
    private func expectRefused(
        _ token: String, keys: [JWTKey]? = nil, reason: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let keys = try keys ?? [Fixture.verifyingKey(.hs256)]
        let error = #expect(throws: JWTError.self, sourceLocation: sourceLocation) {
            try verifier(keys).verify(token, now: now)
        }
        if let reason { #expect(error?.reason == reason, sourceLocation: sourceLocation) }
    }

    @Test(arguments: ["none", "None", "NONE", "nOnE"], ["", "c2lnbmF0dXJl"])
    func algNoneInAnySpelling(_ alg: String, _ signature: String) throws {
        let token = segment(#"{"alg":"\#(alg)","typ":"JWT"}"#) + "." + segment(claims().jsonText) + "." + signature
        for algorithm in JWTAlgorithm.allCases {
            try expectRefused(token, keys: [Fixture.verifyingKey(algorithm)])
        }
        if !signature.isEmpty { try expectRefused(token, reason: "algorithm not accepted") }
    }

    @Test(arguments: ["HS384", "HS512", "RS512", "PS256", "EdDSA", "hs256", ""])
    func otherAlgorithmsAreRefused(_ alg: String) throws {
        let token = segment(#"{"alg":"\#(alg)"}"#) + "." + segment(claims().jsonText) + ".c2ln"
        try expectRefused(token, reason: "algorithm not accepted")
    }

    @Test func missingAlgIsRefused() throws {
        let token = segment(#"{"typ":"JWT"}"#) + "." + segment(claims().jsonText) + ".c2ln"
        try expectRefused(token, reason: "algorithm not accepted")
    }

    /// The classic confusion: HS256 with the public key's PEM as the HMAC
    /// secret must not pass a verifier that holds that public key.
    @Test(arguments: [("rs256-public", JWTAlgorithm.rs256), ("es256-public", .es256)])
    func hs256SignedWithThePublicKeyPEM(_ pemName: String, _ algorithm: JWTAlgorithm) throws {
        let pem = Fixture.pem(pemName)
        let forged = try JWTSigner.mint(claims: claims(), key: JWTKey(id: nil, algorithm: .hs256, material: pem))
        try expectRefused(forged, keys: [JWTKey(id: nil, algorithm: algorithm, material: pem)], reason: "algorithm does not match the key")

        let forgedWithKid = try JWTSigner.mint(claims: claims(), key: JWTKey(id: "pub", algorithm: .hs256, material: pem))
        try expectRefused(
            forgedWithKid,
            keys: [JWTKey(id: "hs", algorithm: .hs256, material: Fixture.hmacSecret), JWTKey(id: "pub", algorithm: algorithm, material: pem)],
            reason: "algorithm does not match the key")
    }

    @Test(arguments: JWTAlgorithm.allCases)
    func wrongKey(_ algorithm: JWTAlgorithm) throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(algorithm, other: true))
        try expectRefused(token, keys: [Fixture.verifyingKey(algorithm)], reason: "signature check failed")
    }

    @Test func rs256TokenAgainstAnES256Key() throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(.rs256))
        try expectRefused(token, keys: [Fixture.verifyingKey(.es256)], reason: "algorithm does not match the key")
    }

    @Test(arguments: JWTAlgorithm.allCases)
    func tamperedPayload(_ algorithm: JWTAlgorithm) throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(algorithm))
        let parts = token.split(separator: ".").map(String.init)
        let forged = claims([("sub", .string("admin")), ("circles", .object([("acme", .array([.string("keys:manage")]))]))])
        let tampered = [parts[0], segment(forged.jsonText), parts[2]].joined(separator: ".")
        try expectRefused(tampered, keys: [Fixture.verifyingKey(algorithm)], reason: "signature check failed")
    }

    @Test(arguments: JWTAlgorithm.allCases)
    func tamperedSignature(_ algorithm: JWTAlgorithm) throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(algorithm))
        var parts = token.split(separator: ".").map(String.init)
        var signature = try #require(Base64URL.decode(parts[2]))
        signature[signature.count / 2] ^= 0x01
        parts[2] = Base64URL.encode(signature)
        try expectRefused(parts.joined(separator: "."), keys: [Fixture.verifyingKey(algorithm)])
    }

    @Test func tamperedHeader() throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(.hs256))
        let parts = token.split(separator: ".").map(String.init)
        let header = segment(#"{"alg":"HS256","typ":"JWT","x":1}"#)
        try expectRefused([header, parts[1], parts[2]].joined(separator: "."))
    }

    @Test func expired() throws {
        let token = try JWTSigner.mint(claims: claims([("exp", .number(String(nowSeconds - 1)))]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "expired")
    }

    @Test func expiringThisSecond() throws {
        let token = try JWTSigner.mint(claims: claims([("exp", .number(String(nowSeconds)))]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "expired")
    }

    @Test func missingExp() throws {
        let token = try JWTSigner.mint(claims: claims(dropping: ["exp"]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "exp required")
    }

    @Test func expNotANumber() throws {
        let token = try JWTSigner.mint(claims: claims([("exp", .string(String(nowSeconds + 60)))]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "exp required")
    }

    @Test func nbfInTheFuture() throws {
        let token = try JWTSigner.mint(claims: claims([("nbf", .number(String(nowSeconds + 60)))]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "not yet valid")
    }

    @Test(arguments: [JSONValue.string("https://evil.example"), .string(""), .number("1"), .array([.string(issuer)])])
    func wrongIssuer(_ iss: JSONValue) throws {
        let token = try JWTSigner.mint(claims: claims([("iss", iss)]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "wrong issuer")
    }

    @Test func missingIssuer() throws {
        let token = try JWTSigner.mint(claims: claims(dropping: ["iss"]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "wrong issuer")
    }

    @Test(arguments: [JSONValue.string("portal"), .string("Sluice"), .string(""), .number("1")])
    func wrongAudienceString(_ aud: JSONValue) throws {
        let token = try JWTSigner.mint(claims: claims([("aud", aud)]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "wrong audience")
    }

    @Test(arguments: [
        JSONValue.array([]), .array([.string("portal"), .string("billing")]), .array([.array([.string(audience)])]),
        .object([("aud", .string(audience))]),
    ])
    func wrongAudienceArray(_ aud: JSONValue) throws {
        let token = try JWTSigner.mint(claims: claims([("aud", aud)]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "wrong audience")
    }

    @Test func missingAudience() throws {
        let token = try JWTSigner.mint(claims: claims(dropping: ["aud"]), key: Fixture.signingKey(.hs256))
        try expectRefused(token, reason: "wrong audience")
    }

    @Test func unknownKid() throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(.hs256, id: "k9"))
        try expectRefused(token, keys: [Fixture.verifyingKey(.hs256, id: "k1")], reason: "unknown kid")
    }

    @Test func kidRequiredWhenSeveralKeys() throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(.hs256))
        let keys = [try Fixture.verifyingKey(.hs256, id: "k1"), try JWTKey(id: "k2", algorithm: .hs256, material: Fixture.otherHMACSecret)]
        try expectRefused(token, keys: keys, reason: "kid required")
    }

    @Test func kidMustBeAString() throws {
        let body = segment(claims().jsonText)
        let token = segment(#"{"alg":"HS256","kid":1}"#) + "." + body + ".c2ln"
        try expectRefused(token, keys: [Fixture.verifyingKey(.hs256, id: "1")], reason: "kid must be a string")
    }

    @Test func noKeysAtAll() throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(.hs256))
        try expectRefused(token, keys: [], reason: "kid required")
    }

    @Test func tokenOf100KB() throws {
        let padding = String(repeating: "p", count: 100 * 1024)
        let token = try JWTSigner.mint(claims: claims([("pad", .string(padding))]), key: Fixture.signingKey(.hs256))
        #expect(token.utf8.count > 100 * 1024)
        try expectRefused(token, reason: "token too long")
        let garbage = String(repeating: "A", count: 100 * 1024) + ".B.C"
        try expectRefused(garbage, reason: "token too long")
    }

    @Test(arguments: [
        "", ".", "..", "...", "abc", "a.b", "a.b.c.d", "!!!.###.$$$", "eyJhbGciOiJIUzI1NiJ9", "Bearer x.y.z",
        "eyJhbGciOiJIUzI1NiJ9.e30.", "e30.e30.e30", "bm90IGpzb24.e30.c2ln", "eyJhbGciOiJIUzI1NiJ9.!!.c2ln",
        "eyJhbGciOiJIUzI1NiJ9.e30.c2ln=", " eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "\u{0}.\u{0}.\u{0}",
    ])
    func garbage(_ token: String) throws {
        try expectRefused(token)
    }

    @Test(arguments: JWTAlgorithm.allCases)
    func emptySignature(_ algorithm: JWTAlgorithm) throws {
        let token = try JWTSigner.mint(claims: claims(), key: Fixture.signingKey(algorithm))
        let parts = token.split(separator: ".").map(String.init)
        try expectRefused(parts[0] + "." + parts[1] + ".", keys: [Fixture.verifyingKey(algorithm)], reason: "not a signed compact JWT")
        try expectRefused(parts[0] + "." + parts[1], keys: [Fixture.verifyingKey(algorithm)], reason: "not a signed compact JWT")
    }

    @Test func claimsThatAreNotAnObject() throws {
        // Signed correctly, but the payload is an array: libjwt refuses it or we do.
        let header = segment(#"{"alg":"HS256","typ":"JWT"}"#)
        let body = segment("[1,2,3]")
        let signature = Base64URL.encode(SecretDigest.hmacSHA256(key: Fixture.hmacSecret, message: Array("\(header).\(body)".utf8)))
        try expectRefused("\(header).\(body).\(signature)")
    }

    /// A hand-made HS256 token (RFC 7515 signing input, HMAC-SHA-256) verifies:
    /// the hand-crafted rejections above differ from a valid token only where
    /// they claim to.
    @Test func handCraftedValidTokenPasses() throws {
        let header = segment(#"{"alg":"HS256","typ":"JWT"}"#)
        let body = segment(claims().jsonText)
        let signature = Base64URL.encode(SecretDigest.hmacSHA256(key: Fixture.hmacSecret, message: Array("\(header).\(body)".utf8)))
        let verified = try verifier([Fixture.verifyingKey(.hs256)]).verify("\(header).\(body).\(signature)", now: now)
        #expect(verified["sub"] == .string("u_1"))
    }
}
