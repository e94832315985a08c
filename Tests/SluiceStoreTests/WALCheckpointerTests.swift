import Foundation
import SluiceCore
import SluiceStore
import Testing

@testable import SluiceSQLite

/// WAL checkpoints run on the checkpointer's own connection, not inside the
/// commit that fills the WAL. What shows it: the database file grows only
/// when a checkpoint copies the WAL into it, so while the checkpointer is
/// held the file keeps its size however much is committed, and it grows as
/// soon as the checkpointer runs.
@Suite struct WALCheckpointerTests {
    private static let circle = CircleID("acme")!

    /// A fresh database under a temporary directory, removed by `cleanup`.
    private static func location() -> (path: String, cleanup: @Sendable () -> Void) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-wal-tests-\(UUID().uuidString)")
        return (directory.appendingPathComponent("sluice.db").path, { try? FileManager.default.removeItem(at: directory) })
    }

    private static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Appends `commits` commits of ten events of about 4 KiB each (about ten WAL pages per commit).
    private static func fill(_ store: SQLiteEventStore, commits: Int) async throws {
        let pad = JSONValue.string(String(repeating: "x", count: 4000))
        for _ in 0..<commits {
            let events = (0..<10).map { _ in EventInput(subject: Subject("board.card.update")!, payload: .object([("pad", pad)])) }
            let outcome = try await store.append([AppendRequest(circle: circle, events: events)], at: Timestamp(milliseconds: 1))
            guard case .committed(let stored) = outcome.first else {
                Issue.record("the commit was refused: \(outcome)")
                return
            }
            #expect(stored.count == 10)
        }
    }

    /// A store on a fresh database with a checkpointer of these thresholds,
    /// held once a checkpoint that opening the store asked for has ended
    /// (waiting at most 10 s). `body` gets the checkpoints run so far and the
    /// database file's size then.
    private static func withHeldCheckpointer(
        threshold: Int32, writerFallback: Int32,
        _ body: (SQLiteEventStore, WALCheckpointer, _ ran: Int, _ before: Int, _ path: String) async throws -> Void
    ) async throws {
        let (path, cleanup) = location()
        defer { cleanup() }
        let checkpointer = WALCheckpointer(path: path, threshold: threshold, writerFallback: writerFallback)
        let store = try SQLiteEventStore(path: path, checkpointer: checkpointer)
        #expect(try await store.createCircle(circle, at: Timestamp(milliseconds: 1)))
        checkpointer.hold(true)
        for _ in 0..<1000 where checkpointer.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        try await body(store, checkpointer, checkpointer.completed, size(path), path)
    }

    /// Waits (at most 10 s) until the checkpointer has run `count` checkpoints.
    private static func waitForCheckpoints(_ checkpointer: WALCheckpointer, _ count: Int) async throws {
        for _ in 0..<1000 where checkpointer.completed < count { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func aCommitThatFillsTheWALLeavesTheCheckpointToTheCheckpointer() async throws {
        try await Self.withHeldCheckpointer(threshold: 200, writerFallback: 100_000) { store, checkpointer, ran, before, path in
            try await Self.fill(store, commits: 40)
            // Past the threshold, and no commit copied anything into the database file.
            #expect(checkpointer.largestWAL >= 200)
            #expect(checkpointer.completed == ran)
            #expect(Self.size(path) == before)

            checkpointer.hold(false)
            try await Self.waitForCheckpoints(checkpointer, ran + 1)
            #expect(checkpointer.completed > ran)
            #expect(Self.size(path) > before + 1_000_000)
            // Committing goes on, and everything committed reads back.
            try await Self.fill(store, commits: 1)
            #expect(try await store.events(in: Self.circle, after: 0, limit: 1000).count == 410)
        }
    }

    @Test func theWriterCheckpointsItselfWhenTheCheckpointerFallsBehind() async throws {
        try await Self.withHeldCheckpointer(threshold: 50, writerFallback: 150) { store, checkpointer, ran, before, path in
            try await Self.fill(store, commits: 40)
            // The checkpointer did not run, yet the WAL was copied and restarted: it stayed near the fallback.
            #expect(checkpointer.completed == ran)
            #expect(Self.size(path) > before + 1_000_000)
            #expect(checkpointer.largestWAL < 150 + 40)
        }
    }

    @Test func aStoreOpenedAsUsualCheckpointsOffTheCommitPath() async throws {
        let (path, cleanup) = Self.location()
        defer { cleanup() }
        let store = try SQLiteEventStore(path: path)
        #expect(store.checkpointer.threshold == 1000)
        #expect(try await store.createCircle(Self.circle, at: Timestamp(milliseconds: 1)))
        try await Self.fill(store, commits: 120)
        try await Self.waitForCheckpoints(store.checkpointer, 1)
        #expect(store.checkpointer.completed >= 1)
    }
}
