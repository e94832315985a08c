import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private PostgreSQL cluster for tests: `initdb` into a temporary
/// directory (as the `postgres` user when the tests run as root, since
/// PostgreSQL refuses to run as root), a free loopback port, password
/// authentication (scram-sha-256) and fsync on, as in production. It never
/// touches a system cluster: it has its own data directory, socket directory
/// and port, and is stopped by that data directory only. `shared()` starts
/// one per test process, lazily; it is stopped and removed at process exit.
/// Each test takes a fresh database from it (`makeDatabase()`).
public final class PostgresCluster: Sendable {
    public let port: Int
    /// The superuser's name and (random) password.
    public let user = "postgres"
    public let password: String
    /// The temporary directory holding the data directory, socket and log.
    public let directory: URL
    let binaries: URL
    private let counter = Mutex(0)

    var dataDirectory: URL { directory.appendingPathComponent("data") }

    /// The cluster every test of this process shares, started on first use.
    public static func shared() async throws -> PostgresCluster {
        try await SharedCluster.instance.get()
    }

    /// A cluster of its own (for a test that stops and starts the database);
    /// the caller removes it with `remove()`, and process exit does otherwise.
    public static func launch() async throws -> PostgresCluster {
        let binaries = try PostgresCluster.findBinaries()
        PostgresCluster.removeAbandonedClusters(binaries: binaries)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-pg-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        ClusterRegistry.add(directory)
        let reservation = try LoopbackSocket.bound()
        close(reservation.descriptor)
        var generator = SystemRandomNumberGenerator()
        let password = (0..<24).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.joined()
        let cluster = PostgresCluster(port: reservation.port, password: password, directory: directory, binaries: binaries)
        do {
            try cluster.initialize()
            try await cluster.start()
        } catch {
            cluster.removeNow()
            throw error
        }
        return cluster
    }

    private init(port: Int, password: String, directory: URL, binaries: URL) {
        self.port = port
        self.password = password
        self.directory = directory
        self.binaries = binaries
    }

    /// A `postgres://` URL of `database` on this cluster, password included.
    public func url(database: String) -> String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)"
    }

    /// Creates an empty database with a name no other test uses; returns its URL.
    public func makeDatabase() async throws -> String {
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let name = "test_\(getpid())_\(number)_\(UUID().uuidString.prefix(8).lowercased())"
        try await execute("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// Runs SQL statements with psql as the superuser (on `database`, by default `postgres`).
    @discardableResult
    public func execute(_ sql: String, database: String = "postgres") async throws -> String {
        try await ClusterCommand.run(
            binaries.appendingPathComponent("psql").path,
            ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-c", sql],
            environment: ["PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"])
    }

    /// Starts the server (again, after `stop()`) on the same port and data.
    public func start() async throws {
        let options = [
            "-p \(port)", "-c listen_addresses=127.0.0.1", "-k \(directory.path)", "-c fsync=on", "-c synchronous_commit=on",
            "-c max_connections=400", "-c shared_buffers=32MB",
        ].joined(separator: " ")
        try await asOwner([
            binaries.appendingPathComponent("pg_ctl").path, "-D", dataDirectory.path, "-l",
            directory.appendingPathComponent("server.log").path, "-o", options, "-w", "-t", "60", "start",
        ])
    }

    /// Stops the server (fast shutdown: open connections are closed), keeping its data.
    public func stop() async throws {
        try await asOwner([binaries.appendingPathComponent("pg_ctl").path, "-D", dataDirectory.path, "-m", "fast", "-w", "stop"])
    }

    /// Stops the server and deletes its directory.
    public func remove() async {
        _ = try? await asOwner([binaries.appendingPathComponent("pg_ctl").path, "-D", dataDirectory.path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
        ClusterRegistry.remove(directory)
    }

    /// `remove()` without waiting for a task (process exit, failed start).
    func removeNow() {
        PostgresCluster.stopNow(dataDirectory: dataDirectory, binaries: binaries)
        try? FileManager.default.removeItem(at: directory)
        ClusterRegistry.remove(directory)
    }

    private func initialize() throws {
        let passwordFile = directory.appendingPathComponent("password")
        try password.write(to: passwordFile, atomically: true, encoding: .utf8)
        try PostgresCluster.handToOwner(directory)
        try PostgresCluster.handToOwner(passwordFile)
        _ = try ClusterCommand.runNow(
            PostgresCluster.ownerCommand([
                binaries.appendingPathComponent("initdb").path, "-D", dataDirectory.path, "-U", user, "--pwfile=\(passwordFile.path)",
                "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            ]))
        try? FileManager.default.removeItem(at: passwordFile)
    }

    private func asOwner(_ arguments: [String]) async throws {
        _ = try await ClusterCommand.run(arguments[0], Array(arguments.dropFirst()), asOwner: true)
    }
}

/// The one cluster of the test process, started by the first test that asks.
private actor SharedCluster {
    static let instance = SharedCluster()
    private var starting: Task<PostgresCluster, any Error>?

    func get() async throws -> PostgresCluster {
        if let starting { return try await starting.value }
        let task = Task { try await PostgresCluster.launch() }
        starting = task
        do { return try await task.value } catch {
            starting = nil
            throw error
        }
    }
}
