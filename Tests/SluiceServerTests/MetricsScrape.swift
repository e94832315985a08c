import Foundation
import SluiceTesting

/// One scrape of `/metrics`, read the way Prometheus reads it: samples by
/// name and labels, and the `# HELP` and `# TYPE` lines.
struct MetricsScrape {
    let text: String

    static func of(_ server: TestServer) async throws -> MetricsScrape {
        MetricsScrape(text: try await server.request(.GET, "/metrics").body)
    }

    /// The sum of every sample of `name` whose labels include `labels`; nil
    /// when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        var total: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let number = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let sampleName = series.prefix { $0 != "{" }
            guard sampleName == name else { continue }
            let labelText = series.dropFirst(sampleName.count)
            guard labels.allSatisfy({ labelText.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
            total = (total ?? 0) + number
        }
        return total
    }

    func count(_ name: String, _ labels: [String: String] = [:]) -> Double { value(name, labels) ?? 0 }

    /// Every family named by a `# TYPE` line, and those with a `# HELP` line.
    var families: (typed: Set<String>, helped: Set<String>) {
        var typed = Set<String>()
        var helped = Set<String>()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 3, parts[0] == "#" else { continue }
            if parts[1] == "TYPE" { typed.insert(String(parts[2])) }
            if parts[1] == "HELP" { helped.insert(String(parts[2])) }
        }
        return (typed, helped)
    }
}

/// Polls `condition` every 20 ms for at most `seconds`: for figures that
/// move when a connection closes, which the client cannot wait on directly.
func eventually(_ seconds: Double = 5, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
