#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The one request shape a connection can be served by without an HTTP
/// decoder: a complete `GET /api/public/events/… HTTP/1.1` head in plain
/// form, and nothing after it. It only recognizes; it never answers. Anything
/// outside that shape (another method or version, an absolute or odd target,
/// a malformed or folded header line, a byte outside printable ASCII, a body,
/// a repeated `Origin`, a resume point, an upgrade, a pipelined request, a
/// head over 16 KiB) is declined and parsed by NIO's decoder behind
/// Hummingbird, which answers it as it answers every other request.
///
/// Pure byte work with no NIO import, so the fuzzer can compile it alone;
/// the `ByteBuffer` entry points are in `PublicStreamRequest+ByteBuffer`.
/// Line ends are found with `memchr`, which looks at many bytes at once:
/// every public stream's head is scanned here, about 570 bytes each.
struct PublicStreamRequest: Equatable {
    /// The request target: path and query.
    let target: String
    /// The `Origin` header, if sent (once).
    let origin: String?

    enum Outcome: Equatable {
        /// The head is not complete yet.
        case incomplete
        /// Not this shape: leave it to the full parser.
        case decline
        case request(PublicStreamRequest)
    }

    static let targetPrefix = "/api/public/events/"
    static let maximumHeadSize = 16 * 1024

    /// Headers whose presence alone sends the request to the full parser.
    private static let declined: [[UInt8]] = [
        "last-event-id", "content-length", "transfer-encoding", "upgrade", "expect",
    ].map { Array($0.utf8) }
    private static let originName = Array("origin".utf8)

    static func recognize(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard let end = headEnd(bytes) else { return bytes.count > maximumHeadSize ? .decline : .incomplete }
        // Anything after the head (a body, a second request) is not this shape.
        guard end + 4 == bytes.count, end <= maximumHeadSize else { return .decline }
        var lines = LineReader(bytes: bytes, end: end + 2)
        guard let requestLine = lines.next(), let target = requestTarget(bytes, requestLine) else { return .decline }
        var origin: String?
        while let line = lines.next() {
            guard let colon = bytes[line].firstIndex(of: UInt8(ascii: ":")), colon > line.lowerBound else { return .decline }
            let name = line.lowerBound..<colon
            guard bytes[name].allSatisfy(isTokenByte) else { return .decline }
            var valueStart = colon + 1
            var valueEnd = line.upperBound
            while valueStart < valueEnd, isWhitespace(bytes[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart, isWhitespace(bytes[valueEnd - 1]) { valueEnd -= 1 }
            guard bytes[valueStart..<valueEnd].allSatisfy(isValueByte) else { return .decline }
            if declined.contains(where: { equalsIgnoringCase(bytes[name], $0) }) { return .decline }
            if equalsIgnoringCase(bytes[name], originName) {
                guard origin == nil else { return .decline }
                origin = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
            }
        }
        return .request(PublicStreamRequest(target: target, origin: origin))
    }

    /// How far a head has arrived.
    enum HeadScan: Equatable {
        case incomplete
        /// `\r\n\r\n` arrived.
        case complete
        /// A line ends in a bare LF: not this shape, whatever follows.
        case bareLineFeed
    }

    /// Whether the head's end has arrived, looking only at bytes from
    /// `start` on: a head that arrives a byte at a time is scanned once, not
    /// once per byte.
    static func scanHead(_ bytes: UnsafeRawBufferPointer, from start: Int) -> HeadScan {
        var index = max(0, start - 3)
        while let lineFeed = find(10, in: bytes, from: index, to: bytes.count) {
            if lineFeed == 0 || bytes[lineFeed - 1] != 13 { return .bareLineFeed }
            if endsHead(bytes, lineFeed: lineFeed) { return .complete }
            index = lineFeed + 1
        }
        return .incomplete
    }

    /// The offset of the `\r\n\r\n` that ends the head.
    private static func headEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        while let lineFeed = find(10, in: bytes, from: index, to: bytes.count) {
            if endsHead(bytes, lineFeed: lineFeed) { return lineFeed - 3 }
            index = lineFeed + 1
        }
        return nil
    }

    /// Whether the line feed at `lineFeed` is the last byte of `\r\n\r\n`.
    private static func endsHead(_ bytes: UnsafeRawBufferPointer, lineFeed: Int) -> Bool {
        lineFeed >= 3 && bytes[lineFeed - 1] == 13 && bytes[lineFeed - 2] == 10 && bytes[lineFeed - 3] == 13
    }

    /// The offset of the first `byte` in `bytes[start..<end]` (`end` at most
    /// `bytes.count`), if any.
    private static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
        guard start >= 0, start < end, end <= bytes.count, let base = bytes.baseAddress,
            let found = memchr(base + start, Int32(byte), end - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// `GET <target> HTTP/1.1` with an origin-form target under the prefix.
    private static func requestTarget(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) -> String? {
        let method = Array("GET ".utf8)
        let version = Array(" HTTP/1.1".utf8)
        guard line.count > method.count + version.count,
            bytes[line.lowerBound..<(line.lowerBound + method.count)].elementsEqual(method),
            bytes[(line.upperBound - version.count)..<line.upperBound].elementsEqual(version)
        else { return nil }
        let target = bytes[(line.lowerBound + method.count)..<(line.upperBound - version.count)]
        guard target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let text = String(decoding: target, as: UTF8.self)
        return text.hasPrefix(targetPrefix) ? text : nil
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Printable ASCII, space and tab: no control bytes, no bare CR or LF, no
    /// obs-text.
    private static func isValueByte(_ byte: UInt8) -> Bool {
        (byte >= 0x20 && byte < 0x7F) || byte == 9
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 }

    private static func equalsIgnoringCase(_ bytes: Slice<UnsafeRawBufferPointer>, _ lowercase: [UInt8]) -> Bool {
        bytes.count == lowercase.count && zip(bytes, lowercase).allSatisfy { ($0 | 0x20) == $1 }
    }

    /// The CRLF-terminated lines of the head (the final empty line excluded).
    /// A line that is empty or starts with whitespace (obs-fold) ends the
    /// reading with a line that fails the header checks.
    private struct LineReader {
        let bytes: UnsafeRawBufferPointer
        let end: Int
        var position = 0

        mutating func next() -> Range<Int>? {
            guard position < end else { return nil }
            // The next CR followed by LF, or (no such pair before `end`) the
            // last byte before it.
            var index = position
            while index + 1 < end {
                guard let carriageReturn = PublicStreamRequest.find(13, in: bytes, from: index, to: end - 1) else {
                    index = end - 1
                    break
                }
                index = carriageReturn
                if bytes[carriageReturn + 1] == 10 { break }
                index += 1
            }
            let line = position..<index
            position = index + 2
            return line
        }
    }
}
