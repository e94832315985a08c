import HTTPTypes
import Hummingbird
import NIOCore

/// The requests of one HTTP/1.1 connection as the read-ahead sees them, by
/// their place on the connection: what the decoder has read (`seen`) and what
/// the request loop has started (`started`). A value type without I/O, so its
/// rules are tested alone.
///
/// Only consecutive, complete ingest requests (`isReadAhead`) right behind an
/// ingest request being answered are handed out ("followers"); each gets its
/// answer stored here and the loop, reaching its place, writes that answer
/// instead of running the request again. Everything else goes its usual way.
struct PipelinedRequestQueue {
    /// A request read but not yet started by the request loop.
    struct Entry {
        let head: HTTPRequest
        var body = ByteBuffer()
        var complete = false
        var eligible: Bool
        var taken = false
        var answer: Response?
    }

    /// A request handed out to be answered ahead of its turn.
    struct Follower {
        let position: Int
        let head: HTTPRequest
        let body: ByteBuffer
    }

    private var entries: [Int: Entry] = [:]
    /// Heads read so far; the next head's place.
    private(set) var seen = 0
    /// Requests the loop has started; the next started request's place.
    private(set) var started = 0
    /// Body bytes kept for requests not yet started.
    private(set) var keptBytes = 0
    let maximumBodyBytes: Int

    init(maximumBodyBytes: Int) {
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Requests read and not yet started.
    var waiting: Int { seen - started }

    mutating func headRead(_ head: HTTPRequest) {
        entries[seen] = Entry(head: head, eligible: Self.isReadAhead(head))
        seen += 1
    }

    mutating func bodyRead(_ bytes: ByteBuffer) {
        guard var entry = entries[seen - 1], entry.eligible else { return }
        entries[seen - 1] = nil  // no second reference while the body grows
        if entry.body.readableBytes + bytes.readableBytes > maximumBodyBytes {
            // Too large: it goes its usual way (and is refused there).
            keptBytes -= entry.body.readableBytes
            entry.body = ByteBuffer()
            entry.eligible = false
        } else {
            var bytes = bytes
            keptBytes += bytes.readableBytes
            entry.body.writeBuffer(&bytes)
        }
        entries[seen - 1] = entry
    }

    mutating func endRead() {
        entries[seen - 1]?.complete = true
    }

    /// The loop starts its next request: its place, and its answer if it was
    /// answered ahead.
    mutating func start() -> (position: Int, answer: Response?) {
        let position = started
        started += 1
        let entry = entries.removeValue(forKey: position)
        keptBytes -= entry?.body.readableBytes ?? 0
        return (position, entry?.answer)
    }

    /// Hands out the complete ingest requests right behind `position`, at
    /// most `limit`, stopping at the first that is not one.
    mutating func takeFollowers(after position: Int, limit: Int) -> [Follower] {
        var followers: [Follower] = []
        var next = position + 1
        while followers.count < limit, var entry = entries[next], entry.eligible, entry.complete, !entry.taken {
            entry.taken = true
            entries[next] = entry
            followers.append(Follower(position: next, head: entry.head, body: entry.body))
            next += 1
        }
        return followers
    }

    /// Whether to keep reading although the request loop is not taking
    /// parts: every request waiting behind the one being answered is an
    /// ingest request that may be read ahead, there are at most `limit` of
    /// them, and their bodies are within `maximumKeptBytes`. Anything else
    /// waits for the loop as before (Hummingbird's back-pressure).
    func readsAhead(limit: Int, maximumKeptBytes: Int) -> Bool {
        guard waiting > 0, waiting <= limit, keptBytes <= maximumKeptBytes else { return false }
        return (started..<seen).allSatisfy { entries[$0]?.eligible == true }
    }

    /// Keeps the answer of a follower until the loop reaches its place.
    mutating func answer(_ response: Response, at position: Int) {
        entries[position]?.answer = response
    }

    /// Whether a request may be answered ahead of its turn: an ingest request
    /// (`POST /api/{circle}/events`, no query) that is not a retry with an
    /// `Idempotency-Key` (those wait for each other), waits for no
    /// `100 Continue` and does not close the connection (nothing after it may
    /// be answered).
    static func isReadAhead(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, let path = head.path, path.hasPrefix("/api/"), path.hasSuffix("/events") else { return false }
        let circle = path.utf8.dropFirst(5).dropLast(7)
        guard !circle.isEmpty, !circle.contains(UInt8(ascii: "/")), !circle.contains(UInt8(ascii: "?")) else { return false }
        let fields = head.headerFields
        if fields[.expect] != nil || fields[idempotencyKey] != nil { return false }
        if let connection = fields[.connection], connection.lowercased().contains("close") { return false }
        return true
    }

    private static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
