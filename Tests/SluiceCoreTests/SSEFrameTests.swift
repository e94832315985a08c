import SluiceCore
import Testing

/// A minimal WHATWG EventSource parser, written from the spec and independent
/// of the code under test: lines end at CRLF, CR or LF; a blank line
/// dispatches; `data` lines are joined with LF.
struct ParsedSSEEvent: Equatable {
    var id: String?
    var event: String?
    var data: String
}

func parseEventStream(_ bytes: [UInt8]) -> (events: [ParsedSSEEvent], retry: Int?, comments: [String]) {
    let text = String(decoding: bytes, as: UTF8.self)
    var lines: [String] = []
    var current = ""
    var iterator = text.unicodeScalars.makeIterator()
    var pendingCR = false
    while let scalar = iterator.next() {
        if pendingCR {
            pendingCR = false
            if scalar == "\n" { continue }
        }
        if scalar == "\r" {
            lines.append(current)
            current = ""
            pendingCR = true
        } else if scalar == "\n" {
            lines.append(current)
            current = ""
        } else {
            current.unicodeScalars.append(scalar)
        }
    }
    var events: [ParsedSSEEvent] = []
    var retry: Int?
    var comments: [String] = []
    var id: String?
    var name: String?
    var data: [String] = []
    for line in lines {
        if line.isEmpty {
            if !data.isEmpty { events.append(ParsedSSEEvent(id: id, event: name, data: data.joined(separator: "\n"))) }
            name = nil
            data = []
            continue
        }
        if line.hasPrefix(":") {
            comments.append(String(line.dropFirst()))
            continue
        }
        var field = line
        var value = ""
        if let colon = line.firstIndex(of: ":") {
            field = String(line[..<colon])
            value = String(line[line.index(after: colon)...])
            if value.hasPrefix(" ") { value.removeFirst() }
        }
        switch field {
        case "id": id = value
        case "event": name = value
        case "data": data.append(value)
        case "retry": retry = Int(value)
        default: break
        }
    }
    return (events, retry, comments)
}

@Suite struct SSEFrameTests {
    @Test func eventWithIDNameAndData() {
        let frame = SSEFrame.event(id: "42", name: "automation.execute.completed", data: Array(#"{"id":"42"}"#.utf8))
        #expect(String(decoding: frame, as: UTF8.self) == "id: 42\nevent: automation.execute.completed\ndata: {\"id\":\"42\"}\n\n")
    }

    @Test func eventWithoutIDOrName() {
        let frame = SSEFrame.event(id: nil, name: nil, data: Array("{}".utf8))
        #expect(String(decoding: frame, as: UTF8.self) == "data: {}\n\n")
    }

    @Test func retryAndPing() {
        #expect(String(decoding: SSEFrame.retry(milliseconds: 3000), as: UTF8.self) == "retry: 3000\n\n")
        #expect(String(decoding: SSEFrame.ping, as: UTF8.self) == ": ping\n\n")
        let parsed = parseEventStream(SSEFrame.retry(milliseconds: 3000) + SSEFrame.ping)
        #expect(parsed.retry == 3000)
        #expect(parsed.comments == [" ping"])
        #expect(parsed.events.isEmpty)
    }

    @Test(arguments: ["\r", "\n", "\r\n", "\u{0}", "\n\ndata: injected\n\n", "\r\rid: 9\r\r"])
    func lineBreaksAndNULAreDroppedFromEveryField(_ evil: String) {
        let frame = SSEFrame.event(id: "4\(evil)2", name: "a\(evil)b", data: Array("{\(evil)}".utf8))
        let expectedEvil = evil.filter { $0 != "\r" && $0 != "\n" && $0 != "\r\n" && $0 != "\u{0}" }
        let text = String(decoding: frame, as: UTF8.self)
        #expect(text == "id: 4\(expectedEvil)2\nevent: a\(expectedEvil)b\ndata: {\(expectedEvil)}\n\n")
        #expect(!frame.contains(0x0D) && !frame.contains(0x00))
        #expect(frame.filter { $0 == 0x0A }.count == 4)
        let parsed = parseEventStream(frame)
        #expect(parsed.events.count == 1)
        #expect(parsed.events.first?.id == "4\(expectedEvil)2")
    }

    /// Payload strings full of line breaks, separators and SSE syntax still
    /// produce exactly one `data:` line, which parses back to the envelope.
    @Test(arguments: [
        "line\rbreak", "line\nbreak", "crlf\r\n", "\u{2028}", "\u{2029}", "data: x", "\n\nevent: x", "\n\nevent: x\ndata: y\n\n",
        "id: 1\n", "retry: 1\n\n", ": comment\n", "\u{0}nul", "\u{85}nel", "\"quote\\", "</script><script>",
    ])
    func hostilePayloadsStayOneDataLine(_ evil: String) throws {
        let input = EventInput(
            subject: Subject("sales-board.update.completed")!,
            payload: .object([(evil, .string(evil)), ("nested", .array([.string(evil), .object([("k", .string(evil))])]))]),
            invocationID: "inv_\(evil.unicodeScalars.count)",
            actor: EventActor(type: .user, id: "u_1"),
            traceID: "t", cache: .apply)
        let event = StoredEvent(sequence: 7, circle: CircleID("acme")!, input: input, timestamp: Timestamp(milliseconds: 0))
        let json = event.envelope.jsonText
        let frame = SSEFrame.event(id: String(event.sequence), name: event.subject.rawValue, data: Array(json.utf8))

        let lines = String(decoding: frame, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5)
        #expect(lines[0] == "id: 7")
        #expect(lines[1] == "event: sales-board.update.completed")
        #expect(lines[2].hasPrefix("data: {"))
        #expect(lines[3].isEmpty && lines[4].isEmpty)
        #expect(!frame.contains(0x0D) && !frame.contains(0x00))
        #expect(lines.filter { $0.hasPrefix("data:") }.count == 1)

        let parsed = parseEventStream(frame)
        #expect(parsed.events.count == 1)
        let only = try #require(parsed.events.first)
        #expect(only.id == "7")
        #expect(only.event == "sales-board.update.completed")
        #expect(only.data == json)
        #expect(try JSONValue.parse(only.data) == event.envelope)
    }
}
