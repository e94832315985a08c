import NIOHTTP1
import Testing

@testable import SluiceServer

/// The framing rules for HTTP/1.0 requests, without a channel.
@Suite struct HTTP10FramingTests {
    func response(_ status: HTTPResponseStatus = .ok, _ headers: [(String, String)] = []) -> HTTPResponseHead {
        HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers))
    }

    @Test func anHTTP11ExchangeIsLeftAlone() {
        var head = response(.ok, [("transfer-encoding", "chunked")])
        let request = HTTP10Framing.Request(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))
        #expect(HTTP10Framing.frame(&head, answering: request) == .unchanged)
        #expect(head == response(.ok, [("transfer-encoding", "chunked")]))
    }

    @Test func aBodyOfUnknownLengthIsCloseDelimitedEvenWhenKeepAliveWasAsked() {
        for keepAlive in [false, true] {
            var head = response(.ok, [("content-type", "text/event-stream"), ("transfer-encoding", "chunked")])
            #expect(HTTP10Framing.frame(&head, answering: .init(isHTTP10: true, keepAlive: keepAlive)) == .close(closeDelimited: true))
            #expect(head.version == .http1_0)
            #expect(!head.headers.contains(name: "transfer-encoding"))
            #expect(head.headers["connection"] == ["close"])
        }
    }

    @Test func aBodyOfKnownLengthKeepsTheConnectionOnlyWhenAsked() {
        var kept = response(.ok, [("content-length", "2")])
        #expect(HTTP10Framing.frame(&kept, answering: .init(isHTTP10: true, keepAlive: true)) == .keepAlive)
        #expect(kept.headers["connection"] == ["keep-alive"] && kept.version == .http1_0)
        var closed = response(.notFound, [("content-length", "2")])
        #expect(HTTP10Framing.frame(&closed, answering: .init(isHTTP10: true, keepAlive: false)) == .close(closeDelimited: false))
        #expect(closed.headers["connection"] == ["close"])
        // A response that closes anyway (a stream's head) is not kept.
        var closing = response(.ok, [("content-length", "2"), ("connection", "close")])
        #expect(HTTP10Framing.frame(&closing, answering: .init(isHTTP10: true, keepAlive: true)) == .close(closeDelimited: false))
    }

    @Test func responsesWithoutABodyHaveAKnownLength() {
        var noContent = response(.noContent)
        #expect(HTTP10Framing.frame(&noContent, answering: .init(isHTTP10: true, keepAlive: true)) == .keepAlive)
        var head = response(.ok)
        #expect(HTTP10Framing.frame(&head, answering: .init(isHTTP10: true, keepAlive: true, isHead: true)) == .keepAlive)
    }

    @Test func anInterimResponseIsNotSentToAnHTTP10Client() {
        var head = response(.continue)
        #expect(HTTP10Framing.frame(&head, answering: .init(isHTTP10: true, keepAlive: false)) == .drop)
    }

    @Test func theRequestIsReadFromItsHead() {
        var headers = HTTPHeaders([("Connection", "keep-alive"), ("Upgrade", "websocket")])
        var head = HTTPRequestHead(version: .http1_0, method: .HEAD, uri: "/", headers: headers)
        #expect(HTTP10Framing.Request(head) == .init(isHTTP10: true, keepAlive: true, isHead: true))
        #expect(HTTP10Framing.Request(HTTPRequestHead(version: .http1_0, method: .GET, uri: "/")).keepAlive == false)
        HTTP10Framing.dropUpgrade(from: &head)
        #expect(!head.headers.contains(name: "upgrade"), "an HTTP/1.0 upgrade is ignored")
        headers = HTTPHeaders([("Upgrade", "websocket")])
        var upgrade = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: headers)
        HTTP10Framing.dropUpgrade(from: &upgrade)
        #expect(upgrade.headers.contains(name: "upgrade"))
    }
}
