import SluiceCore
import SluiceHub
import SluiceStore

extension CircleLimitsRecord {
    /// Largest value an override may take.
    public static let maximumValue = 1_000_000_000

    /// The answer of `GET`/`PUT /api/circles/{circle}/limits` and of
    /// `sluice circles limits`: the overrides (null = the default) and the limits in force.
    public func json(circle: CircleID, defaults: FairnessLimits) -> JSONValue {
        .object([
            ("circle", .string(circle.rawValue)),
            ("events_per_second", eventsPerSecond.map { .number(String($0)) } ?? .null),
            ("streams", streams.map { .number(String($0)) } ?? .null),
            (
                "effective",
                .object([
                    ("events_per_second", .number(String(eventsPerSecond ?? defaults.eventsPerSecond))),
                    ("streams", .number(String(streams ?? defaults.streams))),
                ])
            ),
        ])
    }
}
