import Foundation
import SluiceCore
import SluiceServer
import SluiceStore
import SluiceTesting
import Testing

/// The database settings (issue 12): the URL alone or a mapping, the
/// `SLUICE_DATABASE_*` variables over the file, PostgreSQL URLs accepted,
/// bad values refused naming the setting and never the password.
@Suite struct DatabaseConfigurationTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-db-config-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theShippedFileHoldsTheDefaults() throws {
        let config = try SluiceConfiguration.load(
            file: repositoryRoot.appendingPathComponent("Config/sluice.yaml").path, environment: [:], requireFile: true)
        #expect(config.database == "sqlite:data/sluice.db")
        #expect(config.databaseOptions == DatabaseOptions())
        #expect(config.databaseOptions == DatabaseOptions(poolSize: 10, statementTimeoutSeconds: 30, tls: .prefer))
    }

    @Test func fileThenEnvironment() throws {
        let short = try SluiceConfiguration.load(file: try write("database: postgres://sluice:pw@db:5432/events\n"), environment: [:])
        #expect(short.database == "postgres://sluice:pw@db:5432/events")
        let path = try write(
            "database:\n  url: postgresql://sluice:pw@db/events\n  pool_size: 4\n  statement_timeout_seconds: 2.5\n  tls: require\n")
        let fromFile = try SluiceConfiguration.load(file: path, environment: [:])
        #expect(fromFile.database == "postgresql://sluice:pw@db/events")
        #expect(fromFile.databaseOptions == DatabaseOptions(poolSize: 4, statementTimeoutSeconds: 2.5, tls: .require))
        let overridden = try SluiceConfiguration.load(
            file: path,
            environment: [
                "SLUICE_DATABASE": "postgres://other:pw@db2/events", "SLUICE_DATABASE_POOL_SIZE": "20",
                "SLUICE_DATABASE_STATEMENT_TIMEOUT_SECONDS": "9", "SLUICE_DATABASE_TLS": "disable",
            ])
        #expect(overridden.database == "postgres://other:pw@db2/events")
        #expect(overridden.databaseOptions == DatabaseOptions(poolSize: 20, statementTimeoutSeconds: 9, tls: .disable))
    }

    @Test func badValuesAreRefusedNamingTheSetting() throws {
        let cases: [([String: String], String)] = [
            (["SLUICE_DATABASE_POOL_SIZE": "0"], "SLUICE_DATABASE_POOL_SIZE"),
            (["SLUICE_DATABASE_STATEMENT_TIMEOUT_SECONDS": "-1"], "SLUICE_DATABASE_STATEMENT_TIMEOUT_SECONDS"),
            (["SLUICE_DATABASE_TLS": "sometimes"], "SLUICE_DATABASE_TLS"),
            (["SLUICE_DATABASE": "mysql://u:hunter2@h/db"], "SLUICE_DATABASE"),
        ]
        for (environment, name) in cases {
            do {
                _ = try SluiceConfiguration.load(file: nil, environment: environment)
                Issue.record("\(name) accepted")
            } catch {
                #expect(error.detail.contains(name))
                #expect(!error.detail.contains("hunter2"))
            }
        }
        #expect(throws: SluiceError.self) { try SluiceConfiguration.load(file: try write("database:\n  pool: 3\n"), environment: [:]) }
    }

    /// Two gateways on one PostgreSQL database are two nodes: each comes up
    /// with its own platform key, and what one creates the other serves.
    @Test(.timeLimit(.minutes(2))) func twoTestServersOnOneDatabaseAreTwoNodes() async throws {
        let url = try await PostgresCluster.shared().makeDatabase()
        let nodeA = try await TestServer.start { $0.database = url }
        let nodeB: TestServer
        do { nodeB = try await TestServer.start { $0.database = url } } catch {
            try await nodeA.stop()
            throw error
        }
        do {
            #expect(nodeA.gateway.store.isShared)
            _ = try await nodeA.makeCircle("acme")
            let listed = try await nodeB.request(.GET, "/api/circles/acme", key: nodeB.adminKey)
            #expect(listed.status == 200, "\(listed.body)")
            #expect(try await nodeB.request(.GET, "/readyz").status == 200)
        } catch {
            try await nodeA.stop()
            try await nodeB.stop()
            throw error
        }
        try await nodeA.stop()
        try await nodeB.stop()
    }
}
