import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Moves SQLite's WAL checkpoints off the commit path.
///
/// By default SQLite checkpoints inside the commit that takes the WAL past
/// 1,000 pages: that commit copies the whole WAL into the database file and
/// syncs it before it returns, so one publish in a few hundred waited several
/// milliseconds (the p99 of the latency cells). Here the writer connection's
/// WAL hook only asks for a checkpoint, and a connection of the checkpointer's
/// own runs it (`PASSIVE`: it never blocks the writer or a reader) while the
/// writer goes on committing. Durability is unchanged: a commit is durable
/// when its WAL frames are synced, before and after.
///
/// Should the checkpointer fall behind, the writer still checkpoints itself
/// once the WAL reaches `writerFallback` pages, as SQLite would have done.
final class WALCheckpointer: Sendable {
    /// WAL pages after a commit from which a checkpoint is asked for (SQLite's default autocheckpoint).
    let threshold: Int32
    /// WAL pages from which the committing writer checkpoints itself.
    let writerFallback: Int32
    private let path: String
    private let queue = DispatchQueue(label: "sluice.sqlite.checkpoint")

    private struct State {
        var connection: DatabaseQueue?
        var running = false
        /// A commit asked for a checkpoint that has not started yet.
        var asked = false
        var held = false
        var completed = 0
        var largestWAL: Int32 = 0

        /// Starts the checkpoint that was asked for, if none runs and none is held.
        mutating func startIfAsked() -> Bool {
            guard asked, !held, !running else { return false }
            asked = false
            running = true
            return true
        }
    }

    private let state = Mutex(State())

    init(path: String, threshold: Int32 = 1000, writerFallback: Int32 = 10_000) {
        self.path = path
        self.threshold = threshold
        self.writerFallback = max(writerFallback, threshold)
    }

    /// Checkpoints run so far on the checkpointer's connection.
    var completed: Int { state.withLock { $0.completed } }

    /// Whether a checkpoint is running now.
    var isRunning: Bool { state.withLock { $0.running } }

    /// The most WAL pages seen after a commit.
    var largestWAL: Int32 { state.withLock { $0.largestWAL } }

    /// Installs the WAL hook on the writer connection `db` (replacing SQLite's
    /// autocheckpoint, which is itself a WAL hook). The checkpointer must
    /// outlive the connection.
    func install(on db: Database) {
        guard let connection = db.sqliteConnection else { return }
        sqlite3_wal_hook(connection, walHook, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Holds checkpoints back (`hold(true)`) or lets them run again, for tests.
    func hold(_ held: Bool) {
        let start = state.withLock { state -> Bool in
            state.held = held
            return state.startIfAsked()
        }
        if start { queue.async { self.drain() } }
    }

    /// Called by the hook after a commit left `pages` pages in the WAL.
    fileprivate func committed(pages: Int32, connection: OpaquePointer?) {
        let start = state.withLock { state -> Bool in
            state.largestWAL = max(state.largestWAL, pages)
            guard pages >= threshold else { return false }
            state.asked = true
            return state.startIfAsked()
        }
        if start { queue.async { self.drain() } }
        if pages >= writerFallback { sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) }
    }

    /// Runs checkpoints until none was asked for meanwhile.
    private func drain() {
        while true {
            checkpoint()
            let again = state.withLock { state -> Bool in
                state.completed += 1
                state.running = false
                return state.startIfAsked()
            }
            if !again { return }
        }
    }

    private func checkpoint() {
        // A failed checkpoint leaves the WAL as it was; the next commit past
        // the threshold asks again, and the writer's fallback bounds the WAL.
        guard let connection = openConnection() else { return }
        _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }

    private func openConnection() -> DatabaseQueue? {
        if let open = state.withLock({ $0.connection }) { return open }
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        guard let opened = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        state.withLock { $0.connection = opened }
        return opened
    }
}

/// The writer connection's WAL hook: tells the checkpointer how many pages
/// the WAL holds after each commit. Must return `SQLITE_OK`.
private func walHook(context: UnsafeMutableRawPointer?, connection: OpaquePointer?, name: UnsafePointer<CChar>?, pages: Int32) -> Int32 {
    guard let context else { return SQLITE_OK }
    Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(pages: pages, connection: connection)
    return SQLITE_OK
}
