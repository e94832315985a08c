import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import SluiceServer

/// The recognizer of plain public-stream heads: what it accepts must be read
/// exactly as NIO's HTTP decoder reads it; everything else is declined.
@Suite struct PublicStreamRequestTests {
    func recognize(_ text: String) -> PublicStreamRequest.Outcome {
        PublicStreamRequest.recognize(ByteBuffer(string: text))
    }

    /// What NIO's decoder makes of the same bytes: the head, or nil if it
    /// refuses them or needs more.
    func decodedByNIO(_ text: String) -> HTTPRequestHead? {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        defer { _ = try? channel.finish() }
        guard (try? channel.writeInbound(ByteBuffer(string: text))) != nil,
            case .head(let head)? = try? channel.readInbound(as: HTTPServerRequestPart.self)
        else { return nil }
        return head
    }

    @Test func thePlainShapeIsRecognizedWithItsTargetAndOrigin() {
        let head = "GET /api/public/events/acme?t=abc HTTP/1.1\r\nHost: x\r\norigin:  https://a.example \t\r\nAccept: text/event-stream\r\n\r\n"
        #expect(recognize(head) == .request(PublicStreamRequest(target: "/api/public/events/acme?t=abc", origin: "https://a.example")))
        #expect(
            recognize("GET /api/public/events/acme HTTP/1.1\r\n\r\n")
                == .request(PublicStreamRequest(target: "/api/public/events/acme", origin: nil)))
    }

    @Test func partialHeadsWaitAndOversizedOnesAreDeclined() {
        let head = "GET /api/public/events/acme?t=abc HTTP/1.1\r\nHost: x\r\n\r\n"
        for cut in [1, 10, head.utf8.count - 1] {
            #expect(recognize(String(decoding: head.utf8.prefix(cut), as: UTF8.self)) == .incomplete, "\(cut)")
        }
        let huge = "GET /api/public/events/acme HTTP/1.1\r\nX: " + String(repeating: "a", count: 17 * 1024)
        #expect(recognize(huge) == .decline)
        #expect(recognize(huge + "\r\n\r\n") == .decline)
    }

    @Test(arguments: [
        "POST /api/public/events/acme HTTP/1.1\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.0\r\n\r\n",
        "GET http://x/api/public/events/acme HTTP/1.1\r\n\r\n",
        "GET /api/events/acme HTTP/1.1\r\n\r\n",
        "GET  /api/public/events/acme HTTP/1.1\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nLast-Event-ID: 5\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nlast-event-id: 5\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        "GET /api/public/events/acme HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nOrigin: a\r\nOrigin: b\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nX a\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\n: a\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nX: a\nY: b\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nX: caf\u{e9}\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\nX\u{1}: a\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\n\r\nGET /health HTTP/1.1\r\n\r\n",
    ])
    func anythingElseIsDeclined(_ head: String) {
        #expect(recognize(head) == .decline)
    }

    /// Every combination of up to two header lines from a hostile list, after
    /// several request lines: whatever is recognized, NIO's decoder reads the
    /// same target and the same `Origin`, and sees no resume point or body.
    @Test func whatIsRecognizedReadsTheSameToNIOsDecoder() {
        let requestLines = [
            "GET /api/public/events/acme?t=abc HTTP/1.1", "GET /api/public/events/acme?t=a%20b&subjects=x.%3E HTTP/1.1",
            "GET /api/public/events/acme#f HTTP/1.1", "GET /api/public/events/acme?t=a{b} HTTP/1.1", "GET /api/public/events/ HTTP/1.1",
            "GET /api/public/events/acme?t=\u{7f} HTTP/1.1", "get /api/public/events/acme HTTP/1.1",
        ]
        let headerLines = [
            "Host: x", "Origin: https://a.example", "ORIGIN:https://b.example", "Origin:", "Origin: a b", "Origin: \t",
            "Last-Event-ID: 1", "Content-Length: 0", "Transfer-Encoding: chunked", "Connection: keep-alive", "X: \u{7f}",
            "X-Y_z~: v", "X: a\tb", "X : a", " X: folded", "X:\u{e9}", "X: a\u{0}b", "Cookie: a=b; c=d", "(X): a", "X: \"q\"",
        ]
        var sets: [[String]] = [[]]
        for a in headerLines {
            sets.append([a])
            for b in headerLines { sets.append([a, b]) }
        }
        var recognized = 0
        for line in requestLines {
            for set in sets {
                let head = ([line] + set).joined(separator: "\r\n") + "\r\n\r\n"
                guard case .request(let request) = recognize(head) else { continue }
                recognized += 1
                let nio = decodedByNIO(head)
                #expect(nio != nil, "NIO refuses what was recognized: \(head.debugDescription)")
                guard let nio else { continue }
                #expect(nio.method == .GET && nio.version == .http1_1)
                #expect(nio.uri == request.target, "\(head.debugDescription)")
                #expect(nio.headers["Origin"] == (request.origin.map { [$0] } ?? []), "\(head.debugDescription)")
                #expect(!nio.headers.contains(name: "Last-Event-ID") && !nio.headers.contains(name: "Content-Length"))
                #expect(!nio.headers.contains(name: "Transfer-Encoding"))
            }
        }
        #expect(recognized > 500, "the plain shapes are recognized")
    }
}
