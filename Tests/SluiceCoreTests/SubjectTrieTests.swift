import SluiceCore
import Testing

@Suite struct SubjectTrieTests {
    private static let table: [(pattern: String, value: Int)] = [
        (">", 0), ("a.>", 1), ("a.*", 2), ("a.b", 3), ("*.b", 4), ("a.*.c", 5), ("*.*.>", 6), ("b", 7), ("a.b.>", 8),
    ]

    private func makeTrie() -> SubjectTrie<Int> {
        var trie = SubjectTrie<Int>()
        for (pattern, value) in Self.table { trie.insert(SubjectPattern(pattern)!, value) }
        return trie
    }

    @Test(arguments: [
        ("a", [0]),
        ("b", [0, 7]),
        ("c", [0]),
        ("a.b", [0, 1, 2, 3, 4]),
        ("a.x", [0, 1, 2]),
        ("x.b", [0, 4]),
        ("a.b.c", [0, 1, 5, 6, 8]),
        ("a.x.c", [0, 1, 5, 6]),
        ("a.b.c.d", [0, 1, 6, 8]),
        ("x.y.z", [0, 6]),
        ("x.y", [0]),
    ])
    func table(_ subject: String, _ expected: [Int]) throws {
        let trie = makeTrie()
        let s = try #require(Subject(subject))
        #expect(trie.matches(s) == Set(expected))
        // The naive matcher agrees with the table itself.
        #expect(Set(Self.table.filter { SubjectPattern($0.pattern)!.matches(s) }.map(\.value)) == Set(expected))
    }

    @Test func countsDistinctPatternValuePairs() {
        var trie = makeTrie()
        #expect(trie.count == Self.table.count)
        trie.insert(SubjectPattern("a.b")!, 3)
        #expect(trie.count == Self.table.count)
        trie.insert(SubjectPattern("a.b")!, 99)
        #expect(trie.count == Self.table.count + 1)
    }

    @Test func removeTakesOutOnlyThatPair() throws {
        var trie = makeTrie()
        trie.remove(SubjectPattern("a.*")!, 2)
        trie.remove(SubjectPattern("a.*")!, 2)  // twice: no effect, no crash
        trie.remove(SubjectPattern("zz.top")!, 1)  // absent path
        trie.remove(SubjectPattern("a.>")!, 3)  // wrong value under a present pattern
        #expect(trie.count == Self.table.count - 1)
        #expect(trie.matches(try #require(Subject("a.x"))) == [0, 1])
        for (pattern, value) in Self.table { trie.remove(SubjectPattern(pattern)!, value) }
        #expect(trie.count == 0)
        #expect(trie.matches(try #require(Subject("a.b.c"))).isEmpty)
    }

    @Test func aValueUnderSeveralMatchingPatternsIsReturnedOnceInTheSet() throws {
        var trie = SubjectTrie<String>()
        trie.insert(SubjectPattern(">")!, "s")
        trie.insert(SubjectPattern("a.>")!, "s")
        trie.insert(SubjectPattern("a.b")!, "s")
        let subject = try #require(Subject("a.b"))
        #expect(trie.matches(subject) == ["s"])
        var calls = 0
        trie.forEachMatch(subject) { _ in calls += 1 }
        #expect(calls == 3)
    }

    @Test func copiesAreIndependent() throws {
        let original = makeTrie()
        var copy = original
        copy.insert(SubjectPattern("new.*")!, 42)
        copy.remove(SubjectPattern(">")!, 0)
        let subject = try #require(Subject("new.x"))
        #expect(original.matches(subject) == [0])
        #expect(copy.matches(subject) == [42])
        #expect(original.count == Self.table.count)
    }

    /// Random pattern sets and random subjects: the trie finds exactly the
    /// values whose patterns match by the naive matcher, also after removals.
    @Test(arguments: 0..<40 as Range<UInt64>)
    func agreesWithNaiveMatching(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed &* 0x5851_F42D_4C95_7F2D &+ 1)
        let literals = ["a", "b", "c", "d-1", "E_2"]
        func randomPattern() -> SubjectPattern {
            var tokens = (0..<rng.int(1...5)).map { _ in rng.chance(0.3) ? "*" : rng.pick(literals) }
            if rng.chance(0.3) { tokens.append(">") }
            return SubjectPattern(tokens.joined(separator: "."))!
        }
        func randomSubject() -> Subject {
            Subject((0..<rng.int(1...7)).map { _ in rng.pick(literals + ["zz"]) }.joined(separator: "."))!
        }
        var entries: [(SubjectPattern, Int)] = (0..<rng.int(1...30)).map { _ in (randomPattern(), rng.int(0...12)) }
        var trie = SubjectTrie<Int>()
        for (pattern, value) in entries { trie.insert(pattern, value) }

        func check(_ phase: String) {
            var failures = 0
            for _ in 0..<150 {
                let subject = randomSubject()
                let expected = Set(entries.filter { $0.0.matches(subject) }.map(\.1))
                let viaList = Set(entries.filter { PatternList(uncheckedPatterns: [$0.0]).matches(subject) }.map(\.1))
                #expect(viaList == expected)
                let found = trie.matches(subject)
                if found != expected {
                    failures += 1
                    Issue.record("seed \(seed) \(phase): \(subject) found \(found) expected \(expected) in \(entries)")
                }
                if failures > 2 { return }
            }
        }
        check("after insert")
        #expect(trie.count == Set(entries.map { "\($0.0.rawValue)|\($0.1)" }).count)

        // Remove a random half (entries may repeat: remove every copy).
        let removed = entries.filter { _ in rng.chance(0.5) }
        for (pattern, value) in removed {
            trie.remove(pattern, value)
            entries.removeAll { $0.0 == pattern && $0.1 == value }
        }
        check("after remove")
        #expect(trie.count == Set(entries.map { "\($0.0.rawValue)|\($0.1)" }).count)
    }
}
