import Foundation
import SluiceCore
import SluicePostgres
import SluiceStore
import SluiceTesting
import Synchronization
import Testing

private let acme = CircleID("acme")!
private let beta = CircleID("beta")!
private func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }
private func event(_ subject: String) -> EventInput { EventInput(subject: Subject(subject)!) }

/// Two stores on one database, each with its own pool and listener: two nodes.
private func withTwoNodes(_ body: (PostgresCluster, String, any EventStore, any EventStore) async throws -> Void) async throws {
    let cluster = try await PostgresCluster.shared()
    let url = try await cluster.makeDatabase()
    let fixture = StoreFixture(engine: .postgres, location: url, store: try await StoreEngine.postgres.open(url), opened: OpenedStores())
    fixture.opened.add(fixture.store)
    do {
        try await body(cluster, url, fixture.store, try await fixture.reopen())
    } catch {
        await fixture.opened.shutdownAll()
        throw error
    }
    await fixture.opened.shutdownAll()
}

/// The database name at the end of a test URL.
private func databaseName(_ url: String) -> String { String(url.split(separator: "/").last ?? "") }

/// Waits (bounded) until `count` wake-up listeners listen on `database`.
private func awaitListeners(_ cluster: PostgresCluster, _ database: String, count: Int) async throws {
    for _ in 0..<200 {
        let listening = try await cluster.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sluice-listener' AND datname = '\(database)' AND query LIKE 'LISTEN%'")
        if Int(listening.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= count { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("the wake-up listeners did not start")
}

/// Collects a store's wake-ups as they arrive.
private final class WakeupLog: Sendable {
    private let received = Mutex<[StoreWakeup]>([])
    var all: [StoreWakeup] { received.withLock { $0 } }

    func follow(_ stream: AsyncStream<StoreWakeup>) async {
        for await wakeup in stream { received.withLock { $0.append(wakeup) } }
    }

    /// Waits (bounded) until at least `count` wake-ups arrived.
    func wait(for count: Int) async throws -> [StoreWakeup] {
        for _ in 0..<200 where all.count < count { try await Task.sleep(for: .milliseconds(50)) }
        return all
    }
}

/// What only the PostgreSQL engine does: several nodes on one database
/// (contract section 11), wake-ups across them, migrations racing, outages.
@Suite("PostgreSQL nodes", .timeLimit(.minutes(2))) struct PostgresNodesTests {
    @Test func writersOnTwoNodesGetIdsOneToNInOneOrder() async throws {
        try await withTwoNodes { _, _, nodeA, nodeB in
            _ = try await nodeA.createCircle(acme, at: at(1))
            let all = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for writer in 0..<8 {
                    let node = writer.isMultiple(of: 2) ? nodeA : nodeB
                    group.addTask {
                        var mine: [Int64] = []
                        for round in 0..<10 {
                            let events = (0...(round % 3)).map { _ in event("w\(writer).r\(round)") }
                            let outcome = try await node.append([AppendRequest(circle: acme, events: events)], at: at(1000))
                            guard case .committed(let stored)? = outcome.first else { throw SluiceError.conflict("not committed") }
                            mine += stored.map(\.sequence)
                        }
                        return mine
                    }
                }
                var all: [Int64] = []
                for try await mine in group {
                    #expect(mine == mine.sorted(), "each writer's ids grow")
                    all += mine
                }
                return all
            }
            #expect(all.sorted() == Array(1...Int64(all.count)), "ids exactly 1...N, no gap, no duplicate")
            let seenByA = try await nodeA.events(in: acme, after: 0, limit: 10_000)
            let seenByB = try await nodeB.events(in: acme, after: 0, limit: 10_000)
            #expect(seenByA.map(\.sequence) == Array(1...Int64(all.count)))
            #expect(seenByA == seenByB, "both nodes read the identical order")
            #expect(try await nodeB.bounds(of: acme).latest == Int64(all.count))
        }
    }

    @Test func twoNodesMigratingAnEmptyDatabaseAtOnceBothComeUp() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try await cluster.makeDatabase()
        async let first = StoreEngine.postgres.open(url)
        async let second = StoreEngine.postgres.open(url)
        async let third = StoreEngine.postgres.open(url)
        let stores = try await [first, second, third]
        let versions = try await cluster.execute("SELECT string_agg(version::text, ',') FROM schema_version", database: databaseName(url))
        #expect(versions.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "each version applied once")
        #expect(try await stores[0].createCircle(acme, at: at(1)))
        #expect(try await stores[2].circleExists(acme))
        for store in stores { await store.shutdown() }
    }

    @Test func aCommitOnOneNodeWakesTheOtherOncePerTransaction() async throws {
        try await withTwoNodes { cluster, url, nodeA, nodeB in
            let log = WakeupLog()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await log.follow(nodeB.wakeups()) }
                try await awaitListeners(cluster, databaseName(url), count: 2)
                _ = try await nodeA.createCircle(acme, at: at(1))
                _ = try await nodeA.createCircle(beta, at: at(1))
                let changes = try await log.wait(for: 2)
                #expect(changes.count == 2 && changes.allSatisfy { $0.changes && $0.circles == [] })
                // One batch of three requests, six events, two circles: one wake-up.
                _ = try await nodeA.append(
                    [
                        AppendRequest(circle: acme, events: [event("a.1"), event("a.2")]),
                        AppendRequest(circle: beta, events: [event("b.1"), event("b.2"), event("b.3")]),
                        AppendRequest(circle: acme, events: [event("a.3")]),
                    ], at: at(2))
                let afterAppend = try await log.wait(for: 3)
                #expect(afterAppend.dropFirst(2).first == StoreWakeup(circles: [acme, beta], changes: false))
                // A rolled-back request (unknown circle) wakes nobody; the next commit does.
                _ = try await nodeA.append([AppendRequest(circle: CircleID("ghost")!, events: [event("g.1")])], at: at(3))
                _ = try await nodeA.append([AppendRequest(circle: beta, events: [event("b.4")])], at: at(4))
                let later = try await log.wait(for: 4)
                #expect(later.count == 4, "one wake-up per committing transaction, none per event: \(later)")
                #expect(later.last == StoreWakeup(circles: [beta], changes: false))
                group.cancelAll()
            }
        }
    }

    @Test func aLostListenerListensAgainAndSaysReadEverything() async throws {
        try await withTwoNodes { cluster, url, nodeA, nodeB in
            let log = WakeupLog()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await log.follow(nodeB.wakeups()) }
                let database = databaseName(url)
                try await awaitListeners(cluster, database, count: 2)
                try await cluster.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sluice-listener' AND datname = '\(database)'")
                let woken = try await log.wait(for: 1)
                #expect(woken.first == .everything, "after listening again, read everything once")
                try await awaitListeners(cluster, database, count: 2)
                _ = try await nodeA.createCircle(acme, at: at(1))
                let next = try await log.wait(for: 2)
                #expect(next.dropFirst().first == StoreWakeup(circles: [], changes: true))
                group.cancelAll()
            }
        }
    }

    @Test func wakeupStreamsFinishWhenTheStoreShutsDown() async throws {
        let url = try await PostgresCluster.shared().makeDatabase()
        let store = try await StoreEngine.postgres.open(url)
        let stream = store.wakeups()
        await store.shutdown()
        var count = 0
        for await _ in stream { count += 1 }
        #expect(count == 0)
        try await expectUnavailable { _ = try await store.circles() }
    }
}

/// Expects `body` to throw `unavailable` (503), the answer of a store whose database cannot be used.
func expectUnavailable(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    do {
        try await body()
        Issue.record("expected unavailable, the call succeeded", sourceLocation: sourceLocation)
    } catch let error as SluiceError {
        #expect(error.code == "unavailable" && error.status == 503, "\(error)", sourceLocation: sourceLocation)
    }
}
