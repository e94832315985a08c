import NIOHTTP1

/// How a response is framed for an HTTP/1.0 request, which has no chunked
/// coding and closes after each response unless both sides say keep-alive
/// (RFC 9112 §6.3, §9.3). Pure, so each rule is tested without a channel;
/// `HTTP10ResponseFraming` applies it on a connection.
enum HTTP10Framing {
    /// What the response to a request must respect.
    struct Request: Equatable {
        /// Whether the request is HTTP/1.0 (the decoder refuses every other
        /// version but 1.1).
        var isHTTP10: Bool
        /// Whether the client asked to keep the connection (`Connection: keep-alive`).
        var keepAlive: Bool
        /// A `HEAD` request: its response has no body, whatever it says.
        var isHead: Bool

        init(_ head: HTTPRequestHead) {
            isHTTP10 = head.version.major == 1 && head.version.minor == 0
            keepAlive = head.isKeepAlive
            isHead = head.method == .HEAD
        }

        init(isHTTP10: Bool, keepAlive: Bool, isHead: Bool = false) {
            self.isHTTP10 = isHTTP10
            self.keepAlive = keepAlive
            self.isHead = isHead
        }
    }

    /// What to do with a response head.
    enum Outcome: Equatable {
        /// An HTTP/1.1 exchange: nothing to change.
        case unchanged
        /// An interim response (`100 Continue`), which an HTTP/1.0 client
        /// does not expect: not sent.
        case drop
        /// A body of known length to a client that asked for keep-alive: the
        /// connection stays open for its next request.
        case keepAlive
        /// The connection closes once the response is written; when the
        /// body's length is unknown, that close is what ends it.
        case close(closeDelimited: Bool)
    }

    /// Whether an HTTP/1.0 request is read as asking for a protocol upgrade:
    /// never (RFC 9110 §7.8: an `Upgrade` in an HTTP/1.0 request is ignored).
    static func dropUpgrade(from head: inout HTTPRequestHead) {
        guard Request(head).isHTTP10 else { return }
        head.headers.remove(name: "upgrade")
    }

    /// Rewrites `head`, the response to `request`, as HTTP/1.0 when the
    /// request was: the version of its status line (which is what keeps NIO's
    /// encoder from choosing chunked coding), no `Transfer-Encoding`, and a
    /// `Connection` header saying what happens next.
    static func frame(_ head: inout HTTPResponseHead, answering request: Request) -> Outcome {
        guard request.isHTTP10 else { return .unchanged }
        if head.status.code < 200 { return .drop }
        head.version = .http1_0
        head.headers.remove(name: "transfer-encoding")
        let hasBody = !request.isHead && head.status.mayHaveResponseBody
        let knownLength = !hasBody || head.headers.contains(name: "content-length")
        let responseKeepsAlive = !head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
        if request.keepAlive && knownLength && responseKeepsAlive {
            head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
            return .keepAlive
        }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        return .close(closeDelimited: !knownLength)
    }
}
