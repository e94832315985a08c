import Foundation
import SluiceCore
import SluiceServer
import Testing

@Suite struct ConfigurationTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-config-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theShippedFileLoadsWithItsDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try SluiceConfiguration.load(file: root.appendingPathComponent("Config/sluice.yaml").path, environment: [:], requireFile: true)
        let defaults = SluiceConfiguration()
        #expect(config.listen == defaults.listen)
        #expect(config.database == defaults.database)
        #expect(config.heartbeatSeconds == defaults.heartbeatSeconds)
        #expect(config.retentionMaxEvents == defaults.retentionMaxEvents)
        #expect(config.limits == defaults.limits)
        #expect(config.hub == defaults.hub)
    }

    @Test func environmentOverridesTheFile() throws {
        let path = try write("listen: 127.0.0.1:9000\nheartbeat_seconds: 5\n")
        let config = try SluiceConfiguration.load(
            file: path,
            environment: [
                "SLUICE_LISTEN": "0.0.0.0:7000", "SLUICE_DATABASE": "sqlite:/tmp/x.db", "SLUICE_POLICIES": "/tmp/p",
                "SLUICE_HEARTBEAT_SECONDS": "2", "SLUICE_RETENTION_MAX_EVENTS": "10",
            ])
        #expect(config.host == "0.0.0.0")
        #expect(config.port == 7000)
        #expect(config.sqlitePath == "/tmp/x.db")
        #expect(config.policies == "/tmp/p")
        #expect(config.heartbeatSeconds == 2)
        #expect(config.retentionMaxEvents == 10)
    }

    @Test(arguments: [
        ("listen: nowhere\n", "listen"),
        ("heartbeat_seconds: -1\n", "heartbeat_seconds"),
        ("limits:\n  max_event_bytes: big\n", "limits.max_event_bytes"),
        ("limits:\n  max_event_byte: 10\n", "limits.max_event_byte"),
        ("colour: blue\n", "colour"),
        ("database: mysql://x\n", "database"),
        ("share_tokens:\n  keys:\n    - {kid: s1, algorithm: HS256, secret_env: SLUICE_TEST_UNSET_SECRET}\n", "share_tokens.keys[0].secret_env"),
    ])
    func aBadSettingIsNamed(yaml: String, setting: String) throws {
        let path = try write(yaml)
        #expect {
            _ = try SluiceConfiguration.load(file: path, environment: [:])
        } throws: { error in
            guard let error = error as? SluiceError else { return false }
            return error.code == "invalid_configuration" && error.detail.contains(setting)
        }
    }

    @Test func aMalformedAdminKeyIsRefused() {
        #expect(throws: SluiceError.self) {
            _ = try SluiceConfiguration.load(file: nil, environment: ["SLUICE_ADMIN_KEY": "slk_short_key"])
        }
    }

    @Test func secretsNeverAppearInConfigurationErrors() throws {
        let secret = "this-is-a-very-secret-value-of-enough-length"
        #expect {
            _ = try SluiceConfiguration.load(
                file: nil,
                environment: [
                    "SLUICE_JWT_HS256_SECRET": secret, "SLUICE_JWT_ISSUER": "x",
                    "SLUICE_HEARTBEAT_SECONDS": "zero",
                ])
        } throws: { error in
            "\(error)".contains("SLUICE_HEARTBEAT_SECONDS") && !"\(error)".contains(secret)
        }
    }
}
