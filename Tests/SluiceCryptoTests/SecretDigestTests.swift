import SluiceCore
import SluiceCrypto
import Testing

@Suite struct SecretDigestTests {
    /// FIPS 180-2 vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256KnownVectors(_ input: String, _ hex: String) {
        #expect(SecretDigest.sha256Hex(Array(input.utf8)) == hex)
        #expect(SecretDigest.hex(SecretDigest.sha256(Array(input.utf8))) == hex)
    }

    @Test func sha256OfAMillionAs() {
        let input = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SecretDigest.sha256Hex(input) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
    @Test(arguments: [
        (
            [UInt8](repeating: 0x0B, count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            [UInt8](repeating: 0xAA, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
    ])
    func hmacKnownVectors(_ key: [UInt8], _ message: [UInt8], _ hex: String) {
        #expect(SecretDigest.hex(SecretDigest.hmacSHA256(key: key, message: message)) == hex)
    }

    @Test func hmacOfAnEmptyMessageAndKey() {
        #expect(
            SecretDigest.hex(SecretDigest.hmacSHA256(key: [], message: []))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func constantTimeEquals() {
        let a: [UInt8] = Array("slk secret value".utf8)
        #expect(SecretDigest.constantTimeEquals(a, a))
        #expect(SecretDigest.constantTimeEquals([], []))
        var last = a
        last[last.count - 1] ^= 1
        var first = a
        first[0] ^= 0x80
        #expect(!SecretDigest.constantTimeEquals(a, last))
        #expect(!SecretDigest.constantTimeEquals(a, first))
        #expect(!SecretDigest.constantTimeEquals(a, Array(a.dropLast())))
        #expect(!SecretDigest.constantTimeEquals(a, a + [0]))
        #expect(!SecretDigest.constantTimeEquals([], [0]))
        #expect(SecretDigest.constantTimeEquals("digest", "digest"))
        #expect(!SecretDigest.constantTimeEquals("digest", "Digest"))
        #expect(!SecretDigest.constantTimeEquals("é", "e"))
    }

    @Test func randomBytes() {
        let a = SecretDigest.randomBytes(32)
        let b = SecretDigest.randomBytes(32)
        #expect(a.count == 32)
        #expect(a != b)
        #expect(SecretDigest.randomBytes(0).isEmpty)
    }

    @Test func hexIsLowercaseAndPadded() {
        #expect(SecretDigest.hex([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(SecretDigest.hex([]) == "")
    }
}

@Suite struct Base64URLTests {
    /// RFC 4648 section 10 vectors, without padding.
    @Test(arguments: [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test func usesTheURLAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.encode([0xFB, 0xEF, 0xBE]) == "----")
        #expect(Base64URL.encode([0xFF, 0xFF, 0xFF]) == "____")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode(Substring("____")) == [0xFF, 0xFF, 0xFF])
    }

    @Test(arguments: ["+/8", "Zg==", "Zg=", "Z", "Zm9vY", "Zm 9v", "Zm9v\n", "é", "Zm9v.", "*"])
    func refusesAnythingElse(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test func roundTripsEveryLength() {
        for length in 0...70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length &* 11) }
            let encoded = Base64URL.encode(bytes)
            #expect(!encoded.contains("=") && !encoded.contains("+") && !encoded.contains("/"))
            #expect(encoded.utf8.count == (length * 4 + 2) / 3)
            #expect(Base64URL.decode(encoded) == bytes, "length \(length)")
        }
    }
}

@Suite struct OpaqueEventIDTests {
    private let acme = CircleID("acme")!
    private let beta = CircleID("beta")!
    private let codec = OpaqueEventID(secret: Array("gateway secret for opaque ids".utf8))

    @Test(arguments: [0, 1, 41, 42, 1 << 40, Int64.max - 1, Int64.max] as [Int64])
    func roundTrip(_ sequence: Int64) throws {
        let id = codec.encode(sequence: sequence, circle: acme)
        #expect(id.utf8.count == 22)
        #expect(Base64URL.decode(id)?.count == 16)
        #expect(codec.decode(id, circle: acme) == sequence)
    }

    @Test func stableAcrossInstancesWithTheSameSecret() {
        let again = OpaqueEventID(secret: Array("gateway secret for opaque ids".utf8))
        let id = codec.encode(sequence: 7, circle: acme)
        #expect(again.encode(sequence: 7, circle: acme) == id)
        #expect(again.decode(id, circle: acme) == 7)
    }

    @Test func wrongCircleDoesNotDecode() {
        for sequence in [1, 2, 500] as [Int64] {
            let id = codec.encode(sequence: sequence, circle: acme)
            #expect(codec.decode(id, circle: beta) == nil)
            #expect(codec.encode(sequence: sequence, circle: beta) != id)
        }
    }

    @Test func differentSecretDoesNotDecode() {
        let other = OpaqueEventID(secret: Array("another gateway secret".utf8))
        for sequence in [1, 2, 500] as [Int64] {
            #expect(other.decode(codec.encode(sequence: sequence, circle: acme), circle: acme) == nil)
        }
    }

    @Test(arguments: [
        "", "42", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAA", "!!!!!!!!!!!!!!!!!!!!!!",
        "AAAAAAAAAAAAAAAAAAAAA=", "-_-_-_-_-_-_-_-_-_-_-_",
    ])
    func garbageDoesNotDecode(_ id: String) {
        #expect(codec.decode(id, circle: acme) == nil)
    }

    @Test func flippingAnyBitBreaksTheID() throws {
        let id = codec.encode(sequence: 1234, circle: acme)
        let bytes = try #require(Base64URL.decode(id))
        for index in bytes.indices {
            var changed = bytes
            changed[index] ^= 0x10
            #expect(codec.decode(Base64URL.encode(changed), circle: acme) == nil)
        }
    }

    /// Ids of consecutive sequences look unrelated: all distinct, not in
    /// sequence order when sorted, and about half their bits differ.
    @Test func consecutiveSequencesDoNotLookSequential() throws {
        let ids = (1...200).map { codec.encode(sequence: Int64($0), circle: acme) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.sorted() != ids)
        var sharedPrefix = 0
        var totalDifferentBits = 0
        for (a, b) in zip(ids, ids.dropFirst()) {
            sharedPrefix = max(sharedPrefix, zip(a, b).prefix { $0 == $1 }.count)
            let x = try #require(Base64URL.decode(a))
            let y = try #require(Base64URL.decode(b))
            totalDifferentBits += zip(x, y).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
        }
        let averageDifferentBits = Double(totalDifferentBits) / Double(ids.count - 1)
        #expect(averageDifferentBits > 50 && averageDifferentBits < 78)
        #expect(sharedPrefix < 5)
        for (sequence, id) in zip(1..., ids) { #expect(codec.decode(id, circle: acme) == Int64(sequence)) }
    }
}
