import ArgumentParser
import SluiceCore
import SluiceServer
import SluiceStore

/// `sluice circles limits`: shows or changes a circle's fairness overrides,
/// offline on the database (a running gateway picks the change up within its
/// poll, 1 s by default) or over HTTP with `--url`/`--key`.
struct CircleLimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Show or set a circle's ingest rate and stream cap ('default' goes back to the gateway's default).")

    @OptionGroup var target: Target
    @Option(help: "The circle.") var circle: String
    @Option(help: "Events per second the circle may publish, or 'default'.") var eventsPerSecond: String?
    @Option(help: "Streams the circle may have open, or 'default'.") var streams: String?

    func run() async throws {
        let rate = try Self.change(eventsPerSecond, "--events-per-second")
        let cap = try Self.change(streams, "--streams")
        if target.isRemote {
            let path = "/api/circles/\(circle)/limits"
            if rate == .keep && cap == .keep {
                Output.line(try await target.call(.GET, path).jsonText)
                return
            }
            var members: [(String, JSONValue)] = []
            if let value = Self.json(rate) { members.append(("events_per_second", value)) }
            if let value = Self.json(cap) { members.append(("streams", value)) }
            Output.line(try await target.call(.PUT, path, body: .object(members)).jsonText)
            return
        }
        let id = try parseCircle(circle)
        let store = try target.store()
        guard let record = try await store.updateCircleLimits(id, eventsPerSecond: rate, streams: cap, at: now()) else {
            throw ValidationError("no circle '\(circle)'")
        }
        Output.line(record.json(circle: id, defaults: try target.options.load().fairness).jsonText)
    }

    static func change(_ text: String?, _ option: String) throws -> LimitChange {
        guard let text else { return .keep }
        if text == "default" { return .reset }
        guard let value = Int(text), (1...CircleLimitsRecord.maximumValue).contains(value) else {
            throw ValidationError("\(option) must be 'default' or an integer from 1 to \(CircleLimitsRecord.maximumValue)")
        }
        return .set(value)
    }

    static func json(_ change: LimitChange) -> JSONValue? {
        switch change {
        case .keep: return nil
        case .reset: return .null
        case .set(let value): return .number(String(value))
        }
    }
}
