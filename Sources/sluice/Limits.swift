import ArgumentParser
import SluiceClient
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
        let limits: CircleLimits
        if target.isRemote {
            limits = try await target.remote { client in
                if rate == .keep && cap == .keep { return try await client.limits(of: circle) }
                return try await client.setLimits(of: circle, eventsPerSecond: Self.remote(rate), streams: Self.remote(cap))
            }
        } else {
            let id = try parseCircle(circle)
            let updated = try await target.withStore { store in
                try await store.updateCircleLimits(id, eventsPerSecond: rate, streams: cap, at: now())
            }
            guard let record = updated else { throw Output.failure("not_found: no such circle") }
            limits = try typed(record.json(circle: id, defaults: try target.options.load().fairness), CircleLimits.init)
        }
        target.show(limits.json) {
            """
            limits of circle \(limits.circle)
            \(Table.fields([
                ("events per second", Self.describe(limits.eventsPerSecond, limits.effectiveEventsPerSecond)),
                ("streams", Self.describe(limits.streams, limits.effectiveStreams)),
            ]))
            """
        }
    }

    /// "7 (override)" or "100 (default)".
    static func describe(_ override: Int?, _ effective: Int?) -> String {
        if let override { return "\(override) (override)" }
        return "\(effective.map(String.init) ?? "-") (default)"
    }

    static func change(_ text: String?, _ option: String) throws -> LimitChange {
        guard let text else { return .keep }
        if text == "default" { return .reset }
        guard let value = Int(text), (1...CircleLimitsRecord.maximumValue).contains(value) else {
            throw ValidationError("\(option) must be 'default' or an integer from 1 to \(CircleLimitsRecord.maximumValue)")
        }
        return .set(value)
    }

    static func remote(_ change: LimitChange) -> CircleLimits.Change {
        switch change {
        case .keep: return .keep
        case .reset: return .reset
        case .set(let value): return .set(value)
        }
    }
}
