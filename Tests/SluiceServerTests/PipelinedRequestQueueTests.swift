import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import SluiceServer

/// The read-ahead's bookkeeping, without I/O: which requests may be answered
/// ahead of their turn, and that each place on the connection gets its own
/// answer exactly once.
@Suite struct PipelinedRequestQueueTests {
    static func head(_ method: HTTPRequest.Method = .post, _ path: String = "/api/acme/events", _ fields: HTTPFields = [:]) -> HTTPRequest {
        HTTPRequest(method: method, scheme: nil, authority: "t", path: path, headerFields: fields)
    }

    /// Reads one whole request into `queue`.
    static func read(_ queue: inout PipelinedRequestQueue, _ head: HTTPRequest, body: String = "{}", end: Bool = true) {
        queue.headRead(head)
        queue.bodyRead(ByteBuffer(string: body))
        if end { queue.endRead() }
    }

    @Test(arguments: [
        (PipelinedRequestQueueTests.head(), true),
        (PipelinedRequestQueueTests.head(.get), false),
        (PipelinedRequestQueueTests.head(.post, "/api/acme/events?x=1"), false),
        (PipelinedRequestQueueTests.head(.post, "/api/a/b/events"), false),
        (PipelinedRequestQueueTests.head(.post, "/api//events"), false),
        (PipelinedRequestQueueTests.head(.post, "/api/acme/keys"), false),
        (PipelinedRequestQueueTests.head(.post, "/api/acme/events", [.expect: "100-continue"]), false),
        (PipelinedRequestQueueTests.head(.post, "/api/acme/events", [HTTPField.Name("Idempotency-Key")!: "k"]), false),
        (PipelinedRequestQueueTests.head(.post, "/api/acme/events", [.connection: "Close"]), false),
        (PipelinedRequestQueueTests.head(.post, "/api/acme/events", [.connection: "keep-alive"]), true),
    ])
    func onlyPlainIngestRequestsAreReadAhead(head: HTTPRequest, expected: Bool) {
        #expect(PipelinedRequestQueue.isReadAhead(head) == expected)
    }

    @Test func followersAreTheCompleteIngestRequestsRightBehindAndEachIsAnsweredOnce() {
        var queue = PipelinedRequestQueue(maximumBodyBytes: 100)
        for _ in 0..<4 { Self.read(&queue, Self.head()) }
        Self.read(&queue, Self.head(.get, "/health"), body: "")
        Self.read(&queue, Self.head())
        let first = queue.start()
        #expect(first.position == 0 && first.answer == nil)
        let followers = queue.takeFollowers(after: 0, limit: 10)
        #expect(followers.map(\.position) == [1, 2, 3], "stops at the GET")
        #expect(queue.takeFollowers(after: 0, limit: 10).isEmpty, "handed out once")
        for follower in followers { queue.answer(Response(status: .created), at: follower.position) }
        for position in 1...3 {
            let next = queue.start()
            #expect(next.position == position && next.answer?.status == .created)
        }
        let get = queue.start()
        #expect(get.position == 4 && get.answer == nil)
        #expect(queue.keptBytes >= 0)
    }

    @Test func aLimitAnIncompleteOrAnOversizedRequestEndsTheFollowers() {
        var queue = PipelinedRequestQueue(maximumBodyBytes: 10)
        Self.read(&queue, Self.head())
        Self.read(&queue, Self.head())
        Self.read(&queue, Self.head())
        Self.read(&queue, Self.head(), body: String(repeating: "x", count: 11))
        Self.read(&queue, Self.head(), end: false)
        _ = queue.start()
        #expect(queue.takeFollowers(after: 0, limit: 1).map(\.position) == [1])
        #expect(queue.takeFollowers(after: 1, limit: 5).map(\.position) == [2], "the oversized one goes its usual way")
        #expect(queue.takeFollowers(after: 3, limit: 5).isEmpty, "not complete yet")
    }

    @Test func readsAheadOnlyWhileEveryWaitingRequestIsOneAndWithinTheLimits() {
        var queue = PipelinedRequestQueue(maximumBodyBytes: 100)
        #expect(!queue.readsAhead(limit: 4, maximumKeptBytes: 1000), "nothing waits: the loop reads")
        Self.read(&queue, Self.head())
        _ = queue.start()
        for _ in 0..<3 { Self.read(&queue, Self.head(), body: "0123456789") }
        #expect(queue.readsAhead(limit: 4, maximumKeptBytes: 1000))
        #expect(!queue.readsAhead(limit: 2, maximumKeptBytes: 1000))
        #expect(!queue.readsAhead(limit: 4, maximumKeptBytes: 20))
        Self.read(&queue, Self.head(.get, "/health"), body: "")
        #expect(!queue.readsAhead(limit: 8, maximumKeptBytes: 1000), "a request of another kind waits for the loop")
    }
}
