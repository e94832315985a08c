import SluiceCore
import Testing

@Suite struct SubjectTests {
    @Test(arguments: [
        "a", "automation.execute.completed", "A-b_c.9", "sales-board.update.progress", "x_1.Y-2.z",
        Array(repeating: "t", count: 16).joined(separator: "."),
        String(repeating: "a", count: 255),
    ])
    func validSubjects(_ text: String) throws {
        let subject = try #require(Subject(text))
        #expect(subject.rawValue == text)
        #expect(subject.tokens.joined(separator: ".") == text)
        #expect(subject.description == text)
    }

    @Test(arguments: [
        "", ".", "a.", ".a", "a..b", "a b", "a.*", "a.>", "*", ">", "a:b", "a/b", "é", "a\nb", "a\rb", "a\u{0}b",
        "a,b", "a\tb",
        Array(repeating: "t", count: 17).joined(separator: "."),
        String(repeating: "a", count: 256),
    ])
    func invalidSubjects(_ text: String) {
        #expect(Subject(text) == nil)
    }

    @Test func kindIsTheLastToken() throws {
        #expect(try #require(Subject("automation.execute.completed")).kind == "completed")
        #expect(try #require(Subject("started")).kind == "started")
    }
}

@Suite struct SubjectPatternTests {
    @Test(arguments: [">", "*", "a.>", "*.update.completed", "a.*.c", "*.*", "a.b.c", "*.>", "sales-board.>"])
    func validPatterns(_ text: String) throws {
        #expect(try #require(SubjectPattern(text)).rawValue == text)
    }

    @Test(arguments: [
        "", "a.>.b", ">.a", "a.>>", "a*", "a.**", "*a", "a..b", "a.", ".a", "a b", "é",
        Array(repeating: "*", count: 17).joined(separator: "."),
    ])
    func invalidPatterns(_ text: String) {
        #expect(SubjectPattern(text) == nil)
    }

    /// NATS semantics: `*` is exactly one token, `>` one or more at the end.
    @Test(arguments: [
        ("a.b.c", "a.b.c", true),
        ("a.b", "a.b.c", false),
        ("a.b.c.d", "a.b.c", false),
        ("a.b.c", "a.b", false),
        ("a.*.c", "a.b.c", true),
        ("a.*.c", "a.b.b.c", false),
        ("a.*.c", "a.c", false),
        ("*", "a", true),
        ("*", "a.b", false),
        ("*.*", "a.b", true),
        ("*.*", "a", false),
        (">", "a", true),
        (">", "a.b.c", true),
        ("a.>", "a", false),
        ("a.>", "a.b", true),
        ("a.>", "a.b.c.d.e", true),
        ("a.>", "b.a", false),
        ("*.>", "a", false),
        ("*.>", "a.b", true),
        ("a.*.>", "a.b", false),
        ("a.*.>", "a.b.c", true),
        ("*.update.completed", "sales.update.completed", true),
        ("*.update.completed", "sales.x.update.completed", false),
        ("*.update.completed", "sales.update.progress", false),
        ("sales-board.>", "sales-board.x.completed", true),
        ("sales-board.>", "sales-boardx.a", false),
        ("sales-board.*.completed", "sales-board.w1.completed", true),
        ("A.b", "a.b", false),
        ("a.*.*", "a.b", false),
    ])
    func matches(_ pattern: String, _ subject: String, _ expected: Bool) throws {
        let p = try #require(SubjectPattern(pattern))
        let s = try #require(Subject(subject))
        #expect(p.matches(s) == expected)
        #expect(try PatternList([pattern], field: "subjects").matches(s) == expected)
    }

    @Test(arguments: [
        (">", "a.b", true), (">", ">", true), (">", "*", true), (">", "*.>", true),
        ("a.>", "a.b", true), ("a.>", "a.>", true), ("a.>", "a.*.>", true), ("a.>", "a.*", true),
        ("a.>", "a", false), ("a.>", ">", false), ("a.>", "b.>", false), ("a.>", "*.b", false),
        ("*", "a", true), ("*", "*", true), ("*", ">", false), ("*", "a.b", false),
        ("a", "*", false), ("a.*", "a.>", false), ("a.*", "a.b", true), ("a.*", "a.b.c", false),
        ("*.b", "a.b", true), ("a.b", "*.b", false), ("*.>", "a.>", true), ("*.>", ">", false),
        ("a.b", "a.b", true), ("a.b", "a.c", false), ("*.*", "*.>", false),
    ])
    func covers(_ outer: String, _ inner: String, _ expected: Bool) throws {
        let o = try #require(SubjectPattern(outer))
        let i = try #require(SubjectPattern(inner))
        #expect(o.covers(i) == expected)
    }

    /// Over a small universe, `covers` means exactly "every subject the inner
    /// pattern matches, the outer matches too" (checked exhaustively).
    @Test func coversAgreesWithMatchingOverAnExhaustiveUniverse() throws {
        let tokens = ["a", "b"]
        var patterns: [SubjectPattern] = []
        func buildPatterns(_ prefix: [String]) {
            if !prefix.isEmpty {
                patterns.append(SubjectPattern(prefix.joined(separator: "."))!)
                patterns.append(SubjectPattern((prefix + [">"]).joined(separator: "."))!)
            }
            if prefix.count < 3 { for t in tokens + ["*"] { buildPatterns(prefix + [t]) } }
        }
        buildPatterns([])
        patterns.append(.all)
        var subjects: [Subject] = []
        func buildSubjects(_ prefix: [String]) {
            if !prefix.isEmpty { subjects.append(Subject(prefix.joined(separator: "."))!) }
            if prefix.count < 5 { for t in tokens + ["c"] { buildSubjects(prefix + [t]) } }
        }
        buildSubjects([])
        var mismatches: [String] = []
        for outer in patterns {
            for inner in patterns {
                let implied = subjects.allSatisfy { !inner.matches($0) || outer.matches($0) }
                if outer.covers(inner) != implied { mismatches.append("\(outer) covers \(inner)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }
}

@Suite struct PatternListTests {
    @Test func parsesCommaSeparatedAndDeduplicates() throws {
        let list = try PatternList(commaSeparated: "a.>,b.*,a.>", field: "subjects")
        #expect(list.strings == ["a.>", "b.*"])
        #expect(list.description == "a.>,b.*")
        #expect(list.matches(try #require(Subject("a.x.y"))))
        #expect(list.matches(try #require(Subject("b.x"))))
        #expect(!list.matches(try #require(Subject("b.x.y"))))
        #expect(!list.matches(try #require(Subject("c"))))
    }

    @Test(arguments: ["", "a,,b", ",a", "a,", "a.>,b..c", "a b", "a.>.b"])
    func refusesBadLists(_ text: String) {
        let error = #expect(throws: SluiceError.self) { try PatternList(commaSeparated: text, field: "subjects") }
        #expect(error?.field == "subjects")
        #expect(error?.code == "invalid_request")
        #expect(error?.status == 400)
    }

    @Test func atMost32Patterns() throws {
        let names = (0..<33).map { "s\($0).>" }
        #expect(try PatternList(Array(names.prefix(32)), field: "subjects").patterns.count == 32)
        let error = #expect(throws: SluiceError.self) { try PatternList(names, field: "q") }
        #expect(error?.field == "q")
        #expect(throws: SluiceError.self) { try PatternList([], field: "q") }
    }

    @Test func errorQuotesAtMost64CharactersOfTheBadPattern() {
        let bad = String(repeating: "x", count: 40) + ".." + String(repeating: "y", count: 200)
        let error = #expect(throws: SluiceError.self) { try PatternList([bad], field: "subjects") }
        #expect(error?.detail.contains(String(bad.prefix(64))) == true)
        #expect(error?.detail.contains(String(bad.prefix(65))) == false)
    }

    @Test(arguments: [
        (["a.>"], ["a.b", "a.*.c"], true),
        (["a.>", "b.*"], ["b.x", "a.>"], true),
        (["a.>"], ["a.b", "b"], false),
        ([">"], ["x.>", "y", "*"], true),
        (["a.*"], ["a.>"], false),
    ])
    func listCovers(_ outer: [String], _ inner: [String], _ expected: Bool) throws {
        let o = try PatternList(outer, field: "o")
        let i = try PatternList(inner, field: "i")
        #expect(o.covers(i) == expected)
    }

    @Test func allMatchesEverything() throws {
        #expect(PatternList.all.strings == [">"])
        #expect(PatternList.all.matches(try #require(Subject("any.thing.at.all"))))
    }

    @Test(arguments: [
        (["sales.>"], ["sales.a.*", "x.>"], ["sales.a.*"]),
        (["sales.a.*"], [">"], ["sales.a.*"]),
        (["sales.a.*", "b"], ["sales.>", "b", "c"], ["sales.a.*", "b"]),
        (["a.>"], ["b.>"], []),
    ])
    func intersecting(_ own: [String], _ requested: [String], _ expected: [String]) throws {
        let result = try PatternList(own, field: "own").intersecting(PatternList(requested, field: "requested"))
        #expect(result.map(\.rawValue) == expected)
    }
}
