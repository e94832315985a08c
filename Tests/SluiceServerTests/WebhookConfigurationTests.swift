import Foundation
import SluiceCore
import SluiceServer
import Testing

/// The webhook settings: the shipped file holds the defaults, the file's
/// `webhooks:` block and the `SLUICE_WEBHOOKS_*` variables override them,
/// and a bad value stops start-up naming the setting.
@Suite struct WebhookConfigurationTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-wh-config-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theShippedFileHoldsTheDefaults() throws {
        let config = try SluiceConfiguration.load(
            file: repositoryRoot.appendingPathComponent("Config/sluice.yaml").path, environment: [:], requireFile: true)
        #expect(config.webhooks == WebhookSettings())
        #expect(config.webhooks.retrySeconds == [5, 300, 1800, 7200, 18000, 36000, 36000])
        #expect(config.webhooks.timeoutSeconds == 15)
        #expect(!config.webhooks.allowPrivateTargets)
    }

    @Test func fileThenEnvironment() throws {
        let path = try write("webhooks:\n  retry_seconds: [1, 2]\n  timeout_seconds: 3\n  allow_private_targets: true\n  poll_seconds: 0.25\n")
        let fromFile = try SluiceConfiguration.load(file: path, environment: [:])
        #expect(fromFile.webhooks.retrySeconds == [1, 2])
        #expect(fromFile.webhooks.timeoutSeconds == 3)
        #expect(fromFile.webhooks.allowPrivateTargets)
        #expect(fromFile.webhooks.pollSeconds == 0.25)
        let overridden = try SluiceConfiguration.load(
            file: path,
            environment: [
                "SLUICE_WEBHOOKS_RETRY_SECONDS": "7, 8,9", "SLUICE_WEBHOOKS_TIMEOUT_SECONDS": "4",
                "SLUICE_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "false",
            ])
        #expect(overridden.webhooks.retrySeconds == [7, 8, 9])
        #expect(overridden.webhooks.timeoutSeconds == 4)
        #expect(!overridden.webhooks.allowPrivateTargets)
    }

    @Test(arguments: [
        ["SLUICE_WEBHOOKS_RETRY_SECONDS": "5,,6"], ["SLUICE_WEBHOOKS_RETRY_SECONDS": "-1"], ["SLUICE_WEBHOOKS_TIMEOUT_SECONDS": "0"],
        ["SLUICE_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "maybe"],
    ])
    func badValuesNameTheSetting(environment: [String: String]) throws {
        do {
            _ = try SluiceConfiguration.load(file: nil, environment: environment)
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.code == "invalid_configuration")
            #expect(error.detail.contains(environment.keys.first ?? "?"))
        }
    }
}
