import Foundation
import SluiceTesting
import Testing

/// The private test cluster itself: its own port, password authentication,
/// fsync on, a fresh database per test.
@Suite("PostgreSQL test cluster", .timeLimit(.minutes(2))) struct PostgresClusterTests {
    @Test func theSharedClusterHandsOutFreshDatabasesBehindAPassword() async throws {
        let cluster = try await PostgresCluster.shared()
        let first = try await cluster.makeDatabase()
        let second = try await cluster.makeDatabase()
        #expect(first != second)
        #expect(first.hasPrefix("postgres://postgres:\(cluster.password)@127.0.0.1:\(cluster.port)/"))
        let name = String(try #require(first.split(separator: "/").last))
        #expect(try await cluster.execute("SELECT current_database()", database: name).trimmingCharacters(in: .whitespacesAndNewlines) == name)
        let settings = try await cluster.execute("SELECT current_setting('fsync') || ' ' || current_setting('password_encryption')")
        #expect(settings.trimmingCharacters(in: .whitespacesAndNewlines) == "on scram-sha-256")
        let rules = try await cluster.execute("SELECT DISTINCT auth_method FROM pg_hba_file_rules ORDER BY 1")
        #expect(rules.trimmingCharacters(in: .whitespacesAndNewlines) == "scram-sha-256", "no trust or peer rule")
        #expect(try await PostgresCluster.shared() === cluster, "one cluster per test process")
    }

    @Test func aClusterOfItsOwnStopsStartsAndIsRemoved() async throws {
        let cluster = try await PostgresCluster.launch()
        let database = try await cluster.makeDatabase()
        try await cluster.stop()
        await #expect(throws: (any Error).self) { try await cluster.execute("SELECT 1") }
        try await cluster.start()
        #expect(try await cluster.execute("SELECT 1").contains("1"))
        #expect(database.contains(":\(cluster.port)/"))
        await cluster.remove()
        #expect(!FileManager.default.fileExists(atPath: cluster.directory.path))
    }
}
