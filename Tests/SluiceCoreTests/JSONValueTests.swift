import SluiceCore
import Testing

@Suite struct JSONValueParsingTests {
    /// Compact texts come back byte for byte: key order, number spelling and
    /// string content are all kept.
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":"x"}"#,
        #"{"z":1,"a":2,"m":{"y":[],"b":{}}}"#,
        "[]", "{}", #""""#, #""text""#, "0", "-0", "1.5e+10", "1E-7", "0.10", "-12.500",
        "123456789012345678901234567890", "1e400", "true", "false", "null",
        #"[[[1,[2,[3]]]],{"k":[{"k":[]}]}]"#,
        #""caf\u00e9 ☕ 😀""#,
    ])
    func compactTextRoundTrips(_ text: String) throws {
        let value = try JSONValue.parse(text)
        let expected = text.replacingOccurrences(of: #"\u00e9"#, with: "é")
        #expect(value.jsonText == expected)
        #expect(try JSONValue.parse(value.jsonText) == value)
    }

    @Test func insignificantWhitespaceIsDropped() throws {
        let value = try JSONValue.parse(" \t\r\n{ \"a\" : [ 1 ,\n 2 ] , \"b\" :{ } }\n ")
        #expect(value.jsonText == #"{"a":[1,2],"b":{}}"#)
    }

    @Test(arguments: [
        "0", "-0", "1.0", "1e2", "1E+02", "-0.000", "3.14159265358979323846264338327950288",
        "18446744073709551616", "-9223372036854775809", "1e-400",
    ])
    func numbersKeepTheirSourceText(_ text: String) throws {
        #expect(try JSONValue.parse(text) == .number(text))
        #expect(try JSONValue.parse("[\(text)]") == .array([.number(text)]))
    }

    @Test func intValueOnlyForPlainIntegers() throws {
        #expect(try JSONValue.parse("42").intValue == 42)
        #expect(try JSONValue.parse("-7").intValue == -7)
        #expect(try JSONValue.parse("4.0").intValue == nil)
        #expect(try JSONValue.parse("4e0").intValue == nil)
        #expect(try JSONValue.parse(#""4""#).intValue == nil)
    }

    @Test(arguments: [
        "01", "-01", "1.", ".5", "+1", "-", "1e", "1e+", "1.e3", "NaN", "Infinity", "-Infinity",
        "0x10", "1_000", "--1", "1.2.3",
    ])
    func invalidNumbersAreRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test(arguments: [
        #"{"a":1,"a":2}"#,
        #"{"a":1,"b":2,"a":1}"#,
        #"{"x":{"b":1,"b":1}}"#,
        #"[{"k":{"deep":{"d":1,"d":2}}}]"#,
        #"{"a":1,"\u0061":2}"#,
    ])
    func duplicateKeysAreRefused(_ text: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(error?.reason == "duplicate key")
    }

    @Test func sameKeyInSiblingObjectsIsFine() throws {
        let value = try JSONValue.parse(#"[{"a":1},{"a":2},{"b":{"a":3}}]"#)
        #expect(value.arrayValues?.count == 3)
    }

    /// 64 enclosing containers are accepted; the 65th is refused.
    @Test(arguments: [("[", "]"), (#"{"k":"#, "}")])
    func depthLimitIsExactly64(_ open: String, _ close: String) throws {
        func nested(_ depth: Int) -> String {
            String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
        }
        let deepest = try JSONValue.parse(nested(JSONValue.maximumDepth))
        #expect(deepest.jsonText == nested(JSONValue.maximumDepth))
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(nested(JSONValue.maximumDepth + 1)) }
        #expect(error?.reason.contains("nesting") == true)
    }

    /// Absurd nesting is refused cleanly instead of overflowing the stack.
    @Test(arguments: [100_000, 1_000_000])
    func hugeNestingIsRefusedWithoutCrashing(_ depth: Int) {
        let unterminated = Array(repeating: UInt8(ascii: "["), count: depth)
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(unterminated) }
        #expect(error?.reason.contains("nesting") == true)
        #expect(error?.offset == JSONValue.maximumDepth + 1)

        let objects = Array(String(repeating: #"{"a":"#, count: depth / 5).utf8)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(objects) }
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22],  // never valid in UTF-8
            [0x22, 0xC0, 0xAF, 0x22],  // overlong "/"
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // a surrogate encoded directly
            [0x22, 0xE2, 0x82, 0x22],  // truncated sequence
            [0x22, 0x80, 0x22],  // lone continuation byte
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x31, 0x7D],  // in a key
        ] as [[UInt8]])
    func invalidUTF8IsRefused(_ bytes: [UInt8]) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
        #expect(error?.reason == "invalid UTF-8")
    }

    @Test func validMultibyteUTF8IsKept() throws {
        let text = "\"é€😀\u{2027}\""
        #expect(try JSONValue.parse(text) == .string("é€😀\u{2027}"))
        #expect(try JSONValue.parse(text).jsonText == text)
    }

    @Test(arguments: [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""\u0041\u00e9\u20AC""#, "Aé€"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD83D\uDE00x""#, "😀x"),
        (#""\u0000""#, "\u{0}"),
        (#""\u2028\u2029""#, "\u{2028}\u{2029}"),
        (#""a\u0022b""#, "a\"b"),
    ])
    func escapesAreDecoded(_ text: String, _ expected: String) throws {
        #expect(try JSONValue.parse(text) == .string(expected))
    }

    @Test(arguments: [
        #""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ud83d\ud83d""#, #""\ud83d\n""#,
    ])
    func unpairedSurrogatesAreRefused(_ text: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(error?.reason == "unpaired surrogate")
    }

    @Test(arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\"#, #""\'""#, #""\U0041""#])
    func invalidEscapesAreRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test(arguments: [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F] as [UInt8])
    func rawControlCharactersInStringsAreRefused(_ byte: UInt8) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0x61, byte, 0x62, 0x22]) }
        #expect(error?.reason == "control character in string")
    }

    @Test(arguments: [
        "", " ", "{} {}", "1 2", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{1:2}", "{'a':1}",
        "tru", "nul", "True", "[", "{", "\"abc", "]", "}", "\u{FEFF}{}", "/* c */ {}",
    ])
    func malformedDocumentsAreRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func errorsCarryTheByteOffset() {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse("[1,]") }
        #expect(error?.offset == 3)
        let trailing = #expect(throws: JSONParseError.self) { try JSONValue.parse("{}  x") }
        #expect(trailing?.offset == 4)
    }

    @Test func accessors() throws {
        let value = try JSONValue.parse(#"{"s":"x","a":[1],"o":{"k":null}}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["a"]?.arrayValues == [.number("1")])
        #expect(value["o"]?.objectMembers?.first?.0 == "k")
        #expect(value["missing"] == nil)
        #expect(JSONValue.array([])["s"] == nil)
        #expect(
            [JSONValue.null, .bool(true), .number("1"), .string(""), .array([]), .object([])].map(\.typeName)
                == ["null", "boolean", "number", "string", "array", "object"])
    }

    @Test func objectEqualityIsOrderSensitive() {
        let ab = JSONValue.object([("a", .null), ("b", .null)])
        let ba = JSONValue.object([("b", .null), ("a", .null)])
        #expect(ab != ba)
        #expect(ab == .object([("a", .null), ("b", .null)]))
        #expect(JSONValue.number("1") != .number("1.0"))
    }
}

@Suite struct JSONValueWritingTests {
    @Test(arguments: [
        ("\"", #""\"""#), ("\\", #""\\""#), ("/", #""/""#),
        ("\n", #""\n""#), ("\r", #""\r""#), ("\t", #""\t""#),
        ("\u{0}", #""\u0000""#), ("\u{1}", #""\u0001""#), ("\u{8}", #""\u0008""#), ("\u{C}", #""\u000c""#),
        ("\u{1B}", #""\u001b""#), ("\u{1F}", #""\u001f""#), ("\u{7F}", #""\u007f""#),
        ("\u{2028}", #""\u2028""#), ("\u{2029}", #""\u2029""#), ("\u{2027}", "\"\u{2027}\""),
        ("a\u{2028}b\u{2029}c", #""a\u2028b\u2029c""#), ("é😀", "\"é😀\""),
        ("\r\n\r\n", #""\r\n\r\n""#),
    ])
    func stringsAreEscaped(_ raw: String, _ written: String) throws {
        let value = JSONValue.string(raw)
        #expect(value.jsonText == written)
        #expect(try JSONValue.parse(value.jsonText) == value)
    }

    /// Every control character, DEL, U+2028 and U+2029 is written escaped, so
    /// the text is always one line.
    @Test func outputNeverHoldsRawLineBreaksOrControlCharacters() throws {
        var scalars = (0..<0x20).map { Unicode.Scalar(UInt8($0)) }
        scalars += [Unicode.Scalar(UInt8(0x7F)), Unicode.Scalar(UInt8(0x85)), "\u{2028}", "\u{2029}"]
        let text = String(String.UnicodeScalarView(scalars))
        let value = JSONValue.object([(text, .array([.string(text), .string("x" + text + "y")]))])
        let bytes = Array(value.jsonText.utf8)
        #expect(!bytes.contains { $0 < 0x20 || $0 == 0x7F })
        #expect(!containsSeparator(bytes))
        #expect(try JSONValue.parse(bytes) == value)
    }

    /// Random strings mixing quotes, backslashes, controls, separators and
    /// multibyte characters round-trip and always write as a single line.
    @Test(arguments: 0..<20 as Range<UInt64>)
    func randomStringsRoundTripOnOneLine(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "\u{2028}",
            "\u{2029}", "\u{2027}", "é", "€", "😀", "\u{FEFF}", ":", "{", "}",
        ]
        for _ in 0..<50 {
            let scalars = (0..<rng.int(0...40)).map { _ in rng.pick(alphabet) }
            let string = String(String.UnicodeScalarView(scalars))
            let value = JSONValue.object([("k", .string(string)), (string, .null)])
            let bytes = Array(value.jsonText.utf8)
            #expect(!bytes.contains(0x0A) && !bytes.contains(0x0D) && !bytes.contains(0x00))
            #expect(!containsSeparator(bytes))
            #expect(try JSONValue.parse(bytes) == value, "seed \(seed)")
        }
    }

    @Test func writeAppendsToExistingBytes() {
        var out = Array("prefix:".utf8)
        JSONValue.array([.bool(true), .null, .number("-1.5e3"), .object([])]).write(to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:[true,null,-1.5e3,{}]"#)
    }

    private func containsSeparator(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 3 else { return false }
        return (0..<(bytes.count - 2)).contains { i in
            bytes[i] == 0xE2 && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9)
        }
    }
}

/// Keys are compared by their exact code points (RFC 8259 leaves
/// normalization out): NFC and NFD spellings are two keys, not a duplicate.
@Suite struct JSONKeyIdentityTests {
    @Test func canonicallyEquivalentKeysAreDistinct() throws {
        let value = try JSONValue.parse("{\"\u{E9}\":1,\"e\u{301}\":2}")
        #expect(value.objectMembers?.count == 2)
        #expect(value["\u{E9}"] == .number("1"))
        #expect(value["e\u{301}"] == .number("2"))
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"e\u{301}\":1,\"e\u{301}\":2}") }
        #expect(try JSONValue.parse("{\"\u{E9}\":1}") != JSONValue.parse("{\"e\u{301}\":1}"))
    }
}
