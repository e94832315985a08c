import Foundation
import SluiceCore
import Testing

@Suite struct CircleIDTests {
    @Test(arguments: ["a", "0", "acme", "a-b", "a1-", "9lives", "eventsx", "my-org-42", String(repeating: "z", count: 63)])
    func valid(_ text: String) throws {
        let circle = try #require(CircleID(text))
        #expect(circle.rawValue == text)
        #expect(circle.description == text)
    }

    @Test(arguments: [
        "", "A", "Acme", "-a", "-", "a_b", "a.b", "a b", "a/b", "é", "a\n", " a",
        String(repeating: "z", count: 64),
    ])
    func invalid(_ text: String) {
        #expect(CircleID(text) == nil)
    }

    @Test(arguments: ["events", "public", "circles", "embed", "metrics"])
    func reservedWordsAreRefused(_ text: String) {
        #expect(CircleID(text) == nil)
        #expect(CircleID.reserved.contains(text))
    }

    @Test func orderIsByRawValue() throws {
        let ids = ["b", "a-1", "a"].compactMap(CircleID.init).sorted()
        #expect(ids.map(\.rawValue) == ["a", "a-1", "b"])
    }
}

@Suite struct ScopeTests {
    @Test func rawValuesAreTheContractNames() {
        #expect(
            Set(Scope.allCases.map(\.rawValue)) == [
                "events:read", "events:publish", "share:manage", "keys:manage", "webhooks:manage", "platform:admin",
            ])
    }

    @Test func parsesAListAndCollapsesDuplicates() throws {
        let scopes = try Scope.parseList(["events:read", "share:manage", "events:read"], field: "scopes")
        #expect(scopes == [.eventsRead, .shareManage])
        #expect(try Scope.parseList([], field: "scopes").isEmpty)
    }

    @Test(arguments: ["events:write", "EVENTS:READ", "events:read ", "", "admin", "platform:*"])
    func unknownNamesAreRefusedNamingTheField(_ name: String) {
        let error = #expect(throws: SluiceError.self) { try Scope.parseList(["events:read", name], field: "scopes") }
        #expect(error?.field == "scopes")
        #expect(error?.status == 400)
    }

    @Test func platformAdminImpliesEveryScopeInEveryCircle() throws {
        let acme = try #require(CircleID("acme"))
        let admin = Principal(credential: .apiKey(id: "k"), platformScopes: [.platformAdmin])
        #expect(admin.scopes(in: acme) == Set(Scope.allCases))
        #expect(admin.isPlatform)
        let member = Principal(credential: .apiKey(id: "m"), circleScopes: [acme: [.eventsRead]])
        #expect(member.scopes(in: acme) == [.eventsRead])
        #expect(member.scopes(in: try #require(CircleID("beta"))).isEmpty)
        #expect(throws: SluiceError.forbidden()) { try member.require(.eventsPublish, in: acme) }
        #expect(throws: SluiceError.forbidden()) { try member.requirePlatformAdmin() }
        try member.require(.eventsRead, in: acme)
        try admin.requirePlatformAdmin()
    }
}

/// A well-formed key every malformed case below is derived from.
private let good = "slk_abcdefghij12_" + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"

@Suite struct APIKeyTokenTests {
    @Test(arguments: 0..<20 as Range<UInt64>)
    func generatedKeysParseBack(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let token = APIKeyToken.generate(using: &rng)
        #expect(token.text.hasPrefix("slk_"))
        #expect(token.text.utf8.count == 4 + 12 + 1 + 40)
        #expect(token.id.utf8.count == APIKeyToken.idLength)
        #expect(token.secret.utf8.count == APIKeyToken.secretLength)
        #expect(APIKeyToken.isValidID(token.id))
        let parsed = try #require(APIKeyToken(parsing: token.text))
        #expect(parsed == token)
        #expect(APIKeyToken(parsing: Substring(token.text)) == token)
    }

    @Test func systemGeneratorKeysParseBackAndDiffer() throws {
        var system = SystemRandomNumberGenerator()
        let a = APIKeyToken.generate(using: &system)
        let b = APIKeyToken.generate(using: &system)
        #expect(APIKeyToken(parsing: a.text) == a)
        #expect(a != b)
        #expect(a.secret != b.secret)
    }

    @Test func rotationKeepsTheIDAndChangesTheSecret() {
        var rng = SplitMix64(seed: 99)
        let token = APIKeyToken.generate(using: &rng)
        let rotated = token.rotated(using: &rng)
        #expect(rotated.id == token.id)
        #expect(rotated.secret != token.secret)
        #expect(APIKeyToken(parsing: rotated.text) == rotated)
    }

    /// The secret carries at least 190 bits: 40 characters drawn uniformly from
    /// all 62 base62 characters (40 × log2 62 ≈ 238).
    @Test func secretEntropyIsAtLeast190Bits() {
        var rng = SplitMix64(seed: 2026)
        var alphabet = Set<Character>()
        var secrets = Set<String>()
        for _ in 0..<400 {
            let token = APIKeyToken.generate(using: &rng)
            alphabet.formUnion(token.secret)
            secrets.insert(token.secret)
        }
        #expect(alphabet.count == 62)
        #expect(alphabet.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(secrets.count == 400)
        let bits = Double(APIKeyToken.secretLength) * log2(Double(alphabet.count))
        #expect(bits >= 190)
    }

    @Test func theReferenceKeyIsWellFormed() throws {
        let token = try #require(APIKeyToken(parsing: good))
        #expect(token.id == "abcdefghij12")
        #expect(token.secret == "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn")
    }

    /// Keys that are almost right, each wrong in one way.
    static let malformed: [String] = {
        let tail = String(good.dropFirst(17))  // the secret
        var keys = ["", "slk_", "slk__", "slk"]
        keys.append(String(good.dropLast()))  // one short
        keys.append(good + "A")  // one long
        keys.append("slx_" + String(good.dropFirst(4)))  // wrong prefix
        keys.append("SLK_" + String(good.dropFirst(4)))
        keys.append("slk_ABCDEFGHIJ12_" + tail)  // uppercase id
        keys.append("slk_abcdefghij-2_" + tail)  // '-' in id
        keys.append("slk_abcdefghij12-" + tail)  // wrong separator
        keys.append(String(good.dropLast()) + "-")  // '-' in secret
        keys.append(String(good.dropLast()) + "_")
        keys.append(String(good.dropLast()) + "=")
        keys.append(String(good.dropLast(2)) + "é")  // same byte count, not base62
        keys.append(" " + String(good.dropLast()))
        keys.append(String(good.dropLast()) + "\n")
        keys.append("Bearer " + good)
        keys.append("slk_abcdefghij12_" + String(repeating: "A", count: 39) + "\u{0}")
        return keys
    }()

    @Test(arguments: malformed)
    func malformedKeysAreRefused(_ text: String) {
        #expect(APIKeyToken(parsing: text) == nil)
    }

    @Test(arguments: [
        ("abcdefghij12", true), ("abcdefghij1", false), ("abcdefghij123", false), ("ABCDEFGHIJ12", false),
        ("abcdefghij_2", false), ("", false),
    ])
    func validIDs(_ id: String, _ expected: Bool) {
        #expect(APIKeyToken.isValidID(id) == expected)
    }
}
