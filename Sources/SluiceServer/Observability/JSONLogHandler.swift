import Foundation
import Logging
import SluiceCore

/// Log lines as JSON, one object a line, for log shippers. Every line has
/// exactly the keys `timestamp` (RFC 3339, UTC, milliseconds), `level`,
/// `logger` (the label), `message` and `metadata` (an object, possibly
/// empty), in that order, whatever was logged.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let write: @Sendable (String) -> Void

    /// A handler that hands each finished line (without its newline) to `write`.
    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    /// A handler writing to standard error, one `write` per line so lines
    /// from several threads never interleave.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let millis = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let line: JSONValue = .object([
            ("timestamp", .string(Timestamp(milliseconds: millis).rfc3339)),
            ("level", .string(event.level.rawValue)),
            ("logger", .string(label)),
            ("message", .string(event.message.description)),
            ("metadata", .object(all.sorted { $0.key < $1.key }.map { ($0.key, Self.json($0.value)) })),
        ])
        write(line.jsonText)
    }

    static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let items): return .array(items.map(json))
        case .dictionary(let members): return .object(members.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) })
        }
    }
}
