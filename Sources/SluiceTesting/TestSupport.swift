import Foundation
import Logging
import Synchronization

/// A wall clock tests move by hand (expiry, `exp` checks), starting at the real time.
public final class ManualWallClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    /// Set by `freeze()`: from then on only `advance` moves the clock.
    private let frozenAt = Mutex<Date?>(nil)

    public init() {}

    public func now() -> Date { (frozenAt.withLock { $0 } ?? Date()).addingTimeInterval(offset.withLock { $0 }) }

    /// Stops real time from moving the clock (tests of rates, where a slow
    /// machine must not refill a bucket); `advance` still moves it.
    public func freeze() { frozenAt.withLock { $0 = $0 ?? Date() } }

    public func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}

/// Every log line a test server wrote, message and metadata, for assertions
/// such as "no secret in any log line".
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    public func append(_ line: String) { lines.withLock { $0.append(line) } }

    public var all: [String] { lines.withLock { $0 } }

    public var text: String { all.joined(separator: "\n") }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        capture.append("\(event.level) \(event.message) \(all.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
    }
}
