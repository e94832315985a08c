import SluiceCore
import SluiceStore

/// The text of a wake-up NOTIFY: `c` or `-` (changes written or not), `|`,
/// then the circles whose logs grew, comma-separated, or `*` for any.
enum WakeupPayload {
    static func encode(circles: Set<CircleID>, changes: Bool) -> String {
        let names = circles.map(\.rawValue).sorted().joined(separator: ",")
        let list = names.utf8.count > PostgresEventStore.payloadLimit ? "*" : names
        return (changes ? "c|" : "-|") + list
    }

    /// What a payload says; one this build cannot read means "anything".
    static func decode(_ payload: String) -> StoreWakeup {
        guard let bar = payload.firstIndex(of: "|") else { return .everything }
        let flag = payload[..<bar]
        let list = payload[payload.index(after: bar)...]
        guard flag == "c" || flag == "-" else { return .everything }
        if list == "*" { return StoreWakeup(circles: nil, changes: flag == "c") }
        var circles: Set<CircleID> = []
        for name in list.split(separator: ",") {
            guard let circle = CircleID(String(name)) else { return StoreWakeup(circles: nil, changes: flag == "c") }
            circles.insert(circle)
        }
        return StoreWakeup(circles: circles, changes: flag == "c")
    }
}
