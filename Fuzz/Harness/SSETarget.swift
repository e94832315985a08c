import SluiceCore

/// The SSE parser: never traps, and reads a stream the same however it is
/// split into reads (the split point comes from the first byte).
enum SSETarget {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let all = Array(bytes)
        var whole = SSEParser()
        let once = whole.feed(all)
        guard let first = all.first else { return }
        let split = Int(first) % (all.count + 1)
        var pieces = SSEParser()
        let twice = pieces.feed(all[..<split]) + pieces.feed(all[split...])
        require(once == twice, "a split at \(split) reads other events")
        var bytewise = SSEParser()
        var single: [SSEParser.Event] = []
        for byte in all.prefix(512) { single += bytewise.feed([byte]) }
        var prefix = SSEParser()
        require(single == prefix.feed(all.prefix(512)), "byte-at-a-time reads other events")
    }
}
