/// Server-Sent Events framing (WHATWG). Field values are written only from
/// validated subjects, generated ids and single-line JSON, and are checked
/// again here: a CR, LF or NUL in any of them is dropped rather than sent.
public enum SSEFrame {
    /// `retry: <ms>` then a blank line.
    public static func retry(milliseconds: Int) -> [UInt8] {
        Array("retry: \(milliseconds)\n\n".utf8)
    }

    /// `: ping` comment used as heartbeat.
    public static let ping: [UInt8] = Array(": ping\n\n".utf8)

    /// One event: optional `id:`, optional `event:`, one `data:` line.
    public static func event(id: String?, name: String?, data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 64)
        if let id {
            out.append(contentsOf: "id: ".utf8)
            appendField(id.utf8, to: &out)
            out.append(0x0A)
        }
        if let name {
            out.append(contentsOf: "event: ".utf8)
            appendField(name.utf8, to: &out)
            out.append(0x0A)
        }
        out.append(contentsOf: "data: ".utf8)
        appendField(data, to: &out)
        out.append(contentsOf: [0x0A, 0x0A])
        return out
    }

    /// Appends a field value, dropping the bytes that would end the line.
    static func appendField(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for b in bytes where b != 0x0A && b != 0x0D && b != 0x00 { out.append(b) }
    }
}
