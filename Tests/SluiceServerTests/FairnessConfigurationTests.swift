import Foundation
import SluiceCore
import SluiceHub
import SluiceServer
import Testing

/// The fairness settings: file, environment, defaults, refusals.
@Suite struct FairnessConfigurationTests {
    @Test func theShippedFileHoldsTheContractDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try SluiceConfiguration.load(file: root.appendingPathComponent("Config/sluice.yaml").path, environment: [:], requireFile: true)
        #expect(config.fairness == FairnessLimits(eventsPerSecond: 10_000, streams: 10_000))
        #expect(SluiceConfiguration().fairness == config.fairness)
    }

    @Test func fileThenEnvironment() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-fair-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "limits:\n  circle_events_per_second: 50\n  circle_streams: 7\n".write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = try SluiceConfiguration.load(file: path, environment: [:])
        #expect(fromFile.fairness == FairnessLimits(eventsPerSecond: 50, streams: 7))
        let overridden = try SluiceConfiguration.load(
            file: path, environment: ["SLUICE_LIMITS_CIRCLE_EVENTS_PER_SECOND": "20", "SLUICE_LIMITS_CIRCLE_STREAMS": "3"])
        #expect(overridden.fairness == FairnessLimits(eventsPerSecond: 20, streams: 3))
    }

    @Test(arguments: ["0", "-1", "many"])
    func aBadValueIsRefusedNamingTheSetting(_ value: String) {
        #expect(throws: SluiceError.self) {
            try SluiceConfiguration.load(file: nil, environment: ["SLUICE_LIMITS_CIRCLE_STREAMS": value])
        }
        do {
            _ = try SluiceConfiguration.load(file: nil, environment: ["SLUICE_LIMITS_CIRCLE_EVENTS_PER_SECOND": value])
            Issue.record("accepted \(value)")
        } catch {
            #expect(error.detail.contains("SLUICE_LIMITS_CIRCLE_EVENTS_PER_SECOND"))
        }
    }
}
