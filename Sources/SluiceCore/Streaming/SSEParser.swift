/// An incremental WHATWG EventSource parser, for `sluice tail` and tests:
/// CR, LF and CRLF line ends (also split across chunks), comments, `id`,
/// `event`, `data` (several lines joined by LF), `retry`, blank-line dispatch.
public struct SSEParser: Sendable {
    /// One dispatched event.
    public struct Event: Sendable, Equatable {
        public var id: String?
        public var name: String?
        public var data: String
    }

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var data: [String] = []
    private var name: String?
    private var id: String?
    private var sawData = false
    /// The last `id:` seen, as the browser keeps it for `Last-Event-ID`.
    public private(set) var lastEventID: String?
    /// Comment lines seen (such as `: ping`).
    public private(set) var comments = 0
    public private(set) var retry: Int?

    public init() {}

    /// Feeds bytes; returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if byte == 0x0A && lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == 0x0D
            if byte == 0x0A || byte == 0x0D {
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                data = []
                name = nil
                sawData = false
            }
            if let id { lastEventID = id }
            guard sawData else { return nil }
            return Event(id: id, name: name, data: data.joined(separator: "\n"))
        }
        if line.first == UInt8(ascii: ":") {
            comments += 1
            return nil
        }
        let field: String
        var value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var rest = line[(colon + 1)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            value = String(decoding: rest, as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "data":
            data.append(value)
            sawData = true
        case "event": name = value
        case "id": if !value.contains("\u{0}") { id = value }
        case "retry": if let ms = Int(value) { retry = ms }
        default: value = ""
        }
        return nil
    }
}
