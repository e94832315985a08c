import Foundation
import SluiceCore
import SluiceServer
import Testing

/// The security settings: session-cookie WebSocket origins (normalized, bad
/// ones stop start-up) and the change feed's interval (at most 0.5 s).
@Suite struct SecuritySettingsTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-security-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func sessionOriginsFromTheFileAndTheEnvironmentAreNormalized() throws {
        let path = try write("session:\n  allowed_origins: [\"https://Portal.Example:443\"]\nchange_feed_poll_seconds: 0.5\n")
        let fromFile = try SluiceConfiguration.load(file: path, environment: [:])
        #expect(fromFile.sessionAllowedOrigins == ["https://portal.example"])
        #expect(fromFile.changeFeedPollSeconds == 0.5)
        let fromEnvironment = try SluiceConfiguration.load(
            file: path, environment: ["SLUICE_SESSION_ALLOWED_ORIGINS": "https://a.example, http://b.example:8080"])
        #expect(fromEnvironment.sessionAllowedOrigins == ["https://a.example", "http://b.example:8080"])
        #expect(SluiceConfiguration().sessionAllowedOrigins.isEmpty, "default none")
    }

    @Test(arguments: [
        ("", ["SLUICE_SESSION_ALLOWED_ORIGINS": "https://*.example"], "SLUICE_SESSION_ALLOWED_ORIGINS"),
        ("session:\n  allowed_origins: [\"https://x.example/path\"]\n", [:], "session.allowed_origins"),
        ("change_feed_poll_seconds: 2\n", [:], "change_feed_poll_seconds"),
        ("session:\n  origins: []\n", [:], "session.origins"),
    ])
    func badSettingsStopStartUpNamingThem(file: String, environment: [String: String], name: String) throws {
        let path = try write(file)
        #expect {
            _ = try SluiceConfiguration.load(file: path, environment: environment)
        } throws: { error in
            (error as? SluiceError)?.code == "invalid_configuration" && (error as? SluiceError)?.detail.contains(name) == true
        }
    }
}
