import SluiceCore

/// Subjects, patterns and pattern lists: the first line is a comma-separated
/// pattern list, the other lines subjects. The trie must match exactly what
/// the patterns match one by one, and `covers` must agree with matching.
enum SubjectsTarget {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first else { return }
        _ = Subject(first)
        _ = SubjectPattern(first)
        guard let list = try? PatternList(commaSeparated: first, field: "subjects") else { return }
        var trie = SubjectTrie<Int>()
        for (index, pattern) in list.patterns.enumerated() {
            trie.insert(pattern, index)
            require(SubjectPattern(pattern.description) == pattern, "a pattern does not read back")
        }
        for line in lines.dropFirst().prefix(32) {
            guard let subject = Subject(line) else { continue }
            let expected = Set(list.patterns.indices.filter { list.patterns[$0].matches(subject) })
            require(trie.matches(subject) == expected, "the trie matches otherwise for \(line)")
            require(list.matches(subject) == !expected.isEmpty, "the list matches otherwise")
            if let exact = SubjectPattern(line) {
                for pattern in list.patterns where pattern.covers(exact) {
                    require(pattern.matches(subject), "\(pattern) covers \(line) but does not match it")
                }
            }
        }
        for (index, pattern) in list.patterns.enumerated() { trie.remove(pattern, index) }
        if let subject = lines.dropFirst().first.flatMap(Subject.init) {
            require(trie.matches(subject).isEmpty, "the emptied trie still matches")
        }
    }
}
