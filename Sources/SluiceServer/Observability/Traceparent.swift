import HTTPTypes
import SluiceCore

/// W3C Trace Context on ingest: an event published without `trace_id` takes
/// the trace id of the request's `traceparent` header, so the event on the
/// stream names the producer's span. A header that is not well formed is
/// ignored, never an error (the recommendation's own rule).
enum Traceparent {
    static let header = HTTPField.Name("traceparent")!

    /// The trace id (32 lowercase hex digits) of a well-formed header:
    /// `version-traceid-parentid-flags`, version not `ff`, neither id all zeros.
    /// Version 00 has exactly that shape; a later version may add `-…` after it.
    static func traceID(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D else { return nil }
        let version = bytes[0..<2]
        let trace = bytes[3..<35]
        let parent = bytes[36..<52]
        let flags = bytes[53..<55]
        guard [version, trace, parent, flags].allSatisfy({ $0.allSatisfy(isLowerHex) }) else { return nil }
        if version.elementsEqual("ff".utf8) { return nil }
        if version.elementsEqual("00".utf8) ? bytes.count != 55 : (bytes.count > 55 && bytes[55] != 0x2D) { return nil }
        guard trace.contains(where: { $0 != 0x30 }), parent.contains(where: { $0 != 0x30 }) else { return nil }
        return String(decoding: trace, as: UTF8.self)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    /// `events` with the header's trace id on each that has none. Several
    /// `traceparent` headers are as good as a malformed one.
    static func apply(_ headers: HTTPFields, to events: [EventInput]) -> [EventInput] {
        let values = headers[values: header]
        guard values.count == 1, let trace = traceID(values[0]) else { return events }
        return events.map { event in
            guard event.traceID == nil else { return event }
            var event = event
            event.traceID = trace
            return event
        }
    }
}
