import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A PostgreSQL program that failed, with what it printed (never a password:
/// psql takes it from the environment, initdb from a file).
public struct ClusterCommandError: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public var description: String { "\(command) exited with \(status): \(output.suffix(2000))" }
}

/// Runs the cluster's programs, as the cluster's owner where needed.
enum ClusterCommand {
    /// Runs a program off the cooperative threads and returns its output.
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:], asOwner: Bool = false) async throws
        -> String
    {
        let command = asOwner ? PostgresCluster.ownerCommand([path] + arguments) : [path] + arguments
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runNow(command, environment: environment) })
            }
        }
    }

    /// Runs `command` (program and arguments) to its end on this thread.
    /// Spawned directly rather than with Foundation's `Process`, which learns
    /// of a child's exit from a descriptor the child inherits: the server
    /// `pg_ctl start` leaves running would keep that open for its whole life.
    /// Output goes to a file, not a pipe, for the same reason.
    static func runNow(_ command: [String], environment: [String: String] = [:]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pgout-\(UUID().uuidString)")
        let output = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw ClusterCommandError(command: "open", status: errno, output: file.path) }
        defer {
            close(output)
            try? FileManager.default.removeItem(at: file)
        }
        // The owner may not be allowed into the caller's directory: start in the temporary one.
        let full = ["/usr/bin/env", "-C", FileManager.default.temporaryDirectory.path] + command
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        // Nothing else of this process may leak into the child: the server
        // `pg_ctl start` leaves running would hold a copy of every socket and
        // pipe the tests had open at that moment, so a connection a test
        // closes would never see its end, and a stream or child process
        // waiting for that end would wait for good.
        guard closeFrom(&actions, 3) else { throw ClusterCommandError(command: "posix_spawn", status: -1, output: "closefrom unavailable") }
        var pid: pid_t = 0
        let spawned = withCStrings(full) { argv in
            withCStrings(variables) { envp in posix_spawn(&pid, full[0], &actions, nil, argv, envp) }
        }
        guard spawned == 0 else { throw ClusterCommandError(command: command[0], status: spawned, output: "cannot start") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        // Exited normally with 0 (WIFEXITED and WEXITSTATUS, spelled out: glibc's are macros).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let program = command.first { $0.hasPrefix("/") && !$0.hasSuffix("/runuser") } ?? command[0]
            throw ClusterCommandError(command: URL(fileURLWithPath: program).lastPathComponent, status: status, output: text)
        }
        return text
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later),
    /// which its Swift module does not export: looked up by name.
    private static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) -> Bool {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return false }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest) == 0
    }

    /// `strings` as a NULL-terminated C array for the duration of `body`.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}

extension PostgresCluster {
    /// Whether the tests run as root, so the server must run as `postgres`.
    static var runsAsRoot: Bool { geteuid() == 0 }

    static func ownerCommand(_ command: [String]) -> [String] {
        guard runsAsRoot else { return command }
        let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        return [runuser ?? "/usr/sbin/runuser", "-u", "postgres", "--"] + command
    }

    /// Gives `url` to the `postgres` user when running as root.
    static func handToOwner(_ url: URL) throws {
        guard runsAsRoot else { return }
        guard let owner = getpwnam("postgres") else {
            throw ClusterCommandError(command: "getpwnam", status: 1, output: "no postgres user: install the postgresql package")
        }
        guard chown(url.path, owner.pointee.pw_uid, owner.pointee.pw_gid) == 0 else {
            throw ClusterCommandError(command: "chown", status: errno, output: url.path)
        }
    }

    /// The directory of initdb, pg_ctl and psql: `pg_config --bindir`, else
    /// the newest /usr/lib/postgresql/VERSION/bin.
    static func findBinaries() throws -> URL {
        let manager = FileManager.default
        for candidate in ["/usr/bin/pg_config", "/usr/local/bin/pg_config"] where manager.isExecutableFile(atPath: candidate) {
            if let output = try? ClusterCommand.runNow([candidate, "--bindir"]) {
                let directory = URL(fileURLWithPath: output.trimmingCharacters(in: .whitespacesAndNewlines))
                if manager.isExecutableFile(atPath: directory.appendingPathComponent("initdb").path) { return directory }
            }
        }
        let versions = (try? manager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let directory = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
            if manager.isExecutableFile(atPath: directory.appendingPathComponent("initdb").path) { return directory }
        }
        throw ClusterCommandError(command: "initdb", status: 127, output: "PostgreSQL is not installed (scripts/deps --test installs it)")
    }

    /// Immediate shutdown of the server of `dataDirectory`, if one runs.
    static func stopNow(dataDirectory: URL, binaries: URL) {
        guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("postmaster.pid").path) else { return }
        _ = try? ClusterCommand.runNow(
            ownerCommand([binaries.appendingPathComponent("pg_ctl").path, "-D", dataDirectory.path, "-m", "immediate", "-w", "stop"]))
    }

    /// Stops and removes clusters left by test processes that were killed
    /// before they could (their process id no longer exists).
    static func removeAbandonedClusters(binaries: URL) {
        let temporary = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? [] where name.hasPrefix("sluice-pg-") {
            guard let pid = Int32(name.dropFirst("sluice-pg-".count).prefix { $0.isNumber }), pid != getpid() else { continue }
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            let directory = temporary.appendingPathComponent(name)
            stopNow(dataDirectory: directory.appendingPathComponent("data"), binaries: binaries)
            try? FileManager.default.removeItem(at: directory)
        }
    }
}

/// The clusters this process started, stopped and removed when it exits.
enum ClusterRegistry {
    private static let directories = Mutex<(registered: Bool, live: Set<URL>)>((false, []))

    static func add(_ directory: URL) {
        let first = directories.withLock { state -> Bool in
            state.live.insert(directory)
            defer { state.registered = true }
            return !state.registered
        }
        if first { atexit { ClusterRegistry.removeAll() } }
    }

    static func remove(_ directory: URL) {
        _ = directories.withLock { $0.live.remove(directory) }
    }

    static func removeAll() {
        let live = directories.withLock { state -> Set<URL> in
            defer { state.live = [] }
            return state.live
        }
        guard !live.isEmpty, let binaries = try? PostgresCluster.findBinaries() else { return }
        for directory in live {
            PostgresCluster.stopNow(dataDirectory: directory.appendingPathComponent("data"), binaries: binaries)
            try? FileManager.default.removeItem(at: directory)
        }
    }
}
