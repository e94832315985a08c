import Foundation
import Logging
import SluiceCore
import SluicePostgres
import SluiceStore
import SluiceTesting
import Testing

@testable import SluicePostgres

private let acme = CircleID("acme")!
private func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }

/// The database going away and coming back, and what a refusal may say.
@Suite("PostgreSQL outages and settings", .timeLimit(.minutes(2))) struct PostgresOutageTests {
    @Test func callsDuringAnOutageAnswerUnavailableAndWorkAgainAfterIt() async throws {
        let cluster = try await PostgresCluster.launch()
        let url = try await cluster.makeDatabase()
        let store = try await PostgresEventStore.open(url: url, options: DatabaseOptions(poolSize: 2, statementTimeoutSeconds: 5, tls: .disable))
        do {
            _ = try await store.createCircle(acme, at: at(1))
            try await cluster.stop()
            let started = ContinuousClock.now
            try await expectUnavailable { try await store.checkAvailable() }
            try await expectUnavailable {
                _ = try await store.append([AppendRequest(circle: acme, events: [EventInput(subject: Subject("a.b")!)])], at: at(2))
            }
            try await expectUnavailable { _ = try await store.events(in: acme, after: 0, limit: 10) }
            #expect(ContinuousClock.now - started < .seconds(30), "refused promptly, never hanging")
            try await cluster.start()
            // The pool reconnects by itself (with its backoff): bounded retries.
            var back = false
            for _ in 0..<100 where !back {
                back = (try? await store.checkAvailable()) != nil
                if !back { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(back, "available again after the restart")
            let outcome = try await store.append([AppendRequest(circle: acme, events: [EventInput(subject: Subject("a.b")!)])], at: at(3))
            guard case .committed(let events)? = outcome.first else {
                Issue.record("not committed after the restart: \(outcome)")
                throw SluiceError.conflict("not committed")
            }
            #expect(events.map(\.sequence) == [1])
        } catch {
            await store.shutdown()
            await cluster.remove()
            throw error
        }
        await store.shutdown()
        await cluster.remove()
    }

    /// The statement timeout reaches every pooled connection: a call stuck
    /// behind another session's lock is cancelled and answers unavailable.
    @Test func aStatementPastTheTimeoutAnswersUnavailable() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try await cluster.makeDatabase()
        let database = String(url.split(separator: "/").last ?? "")
        let store = try await PostgresEventStore.open(url: url, options: DatabaseOptions(poolSize: 2, statementTimeoutSeconds: 0.5, tls: .disable))
        do {
            _ = try await store.createCircle(acme, at: at(1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await cluster.execute("BEGIN; LOCK TABLE circle IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT", database: database)
                }
                for _ in 0..<100 {
                    let held = try await cluster.execute(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'circle' AND l.mode = 'AccessExclusiveLock' AND l.granted",
                        database: database)
                    if held.trimmingCharacters(in: .whitespacesAndNewlines) == "1" { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                let started = ContinuousClock.now
                try await expectUnavailable { _ = try await store.circles() }
                #expect(ContinuousClock.now - started < .seconds(3), "cut off at the statement timeout, not after the lock")
                try await group.waitForAll()
            }
            #expect(try await store.circleExists(acme))
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    @Test func aWrongPasswordIsRefusedWithoutRepeatingIt() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try await cluster.makeDatabase()
        let wrong = "Wr0ng-Secret-Pa55"
        let bad = url.replacingOccurrences(of: ":\(cluster.password)@", with: ":\(wrong)@")
        #expect(bad != url)
        do {
            let store = try await PostgresEventStore.open(url: bad, options: DatabaseOptions(poolSize: 1, tls: .disable))
            await store.shutdown()
            Issue.record("a wrong password opened the store")
        } catch {
            let texts = [String(describing: error), String(reflecting: error), (error as? SluiceError)?.detail ?? ""]
            #expect(texts.allSatisfy { !$0.contains(wrong) && !$0.contains(cluster.password) })
            #expect((error as? SluiceError)?.code == "unavailable")
        }
    }

    /// Every log line of the engine and of postgres-nio, at trace level,
    /// with the right password and a wrong one: neither appears.
    @Test func noLogLineHoldsThePassword() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try await cluster.makeDatabase()
        let lines = LogCapture()
        var logger = Logger(label: "sluice-test") { _ in LineHandler(lines: lines) }
        logger.logLevel = .trace
        let store = try await PostgresEventStore.open(url: url, options: DatabaseOptions(poolSize: 2, tls: .disable), logger: logger)
        _ = try await store.createCircle(acme, at: at(1))
        _ = try await store.append([AppendRequest(circle: acme, events: [EventInput(subject: Subject("a.b")!)])], at: at(2))
        await store.shutdown()
        let wrong = "An0ther-Secret-Pa55"
        let bad = url.replacingOccurrences(of: ":\(cluster.password)@", with: ":\(wrong)@")
        if let opened = try? await PostgresEventStore.open(url: bad, options: DatabaseOptions(poolSize: 1, tls: .disable), logger: logger) {
            await opened.shutdown()
        }
        #expect(!lines.all.isEmpty, "postgres-nio logged at trace level")
        #expect(!lines.text.contains(cluster.password) && !lines.text.contains(wrong))
    }

    /// Work that never ends on cancellation (a lease the pool never grants,
    /// a query on a dropped connection) must not hold its caller: the
    /// deadline answers, and so does the caller's own cancellation.
    @Test func workThatIgnoresCancellationNeverHoldsItsCaller() async throws {
        // Set once the stubborn work may end (the store's one-shot flag).
        let release = LeaseFlag()
        let stubborn: @Sendable () async throws -> Int = {
            // Bounded: ends once the test releases it, whatever happens.
            for _ in 0..<3000 where !release.isSet { try? await Task.sleep(for: .milliseconds(10)) }
            return 1
        }
        defer { release.set() }
        let started = ContinuousClock.now
        do {
            _ = try await PostgresEventStore.bounded(
                connectDeadline: .milliseconds(200), workDeadline: .seconds(60), leased: LeaseFlag(), stubborn)
            Issue.record("answered with a value")
        } catch {
            #expect((error as? SluiceError)?.code == "unavailable")
        }
        #expect(ContinuousClock.now - started < .seconds(10), "answered at the connect deadline")

        let leased = LeaseFlag()
        leased.set()
        let working = Task {
            try await PostgresEventStore.bounded(connectDeadline: .milliseconds(50), workDeadline: .milliseconds(200), leased: leased, stubborn)
        }
        do {
            _ = try await working.value
            Issue.record("answered with a value")
        } catch {
            #expect((error as? SluiceError)?.code == "unavailable", "answered at the work deadline")
        }

        let cancelled = Task {
            try await PostgresEventStore.bounded(connectDeadline: .seconds(60), workDeadline: .seconds(60), leased: LeaseFlag(), stubborn)
        }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        let cancelledAt = ContinuousClock.now
        #expect(await (try? cancelled.value) == nil)
        #expect(ContinuousClock.now - cancelledAt < .seconds(10), "a cancelled caller is answered at once")

        let quick = try await PostgresEventStore.bounded(connectDeadline: .seconds(5), workDeadline: .seconds(5), leased: LeaseFlag()) { 7 }
        #expect(quick == 7)
    }

    @Test func urlsArePercentDecodedAndRefusalsNameNoPassword() throws {
        let location = try PostgresLocation(url: "postgresql://us%40er:p%3Ass%2Fw%40rd@db.example:6543/sluice_main")
        #expect(location == PostgresLocation(user: "us@er", password: "p:ss/w@rd", host: "db.example", port: 6543, database: "sluice_main"))
        let plain = try PostgresLocation(url: "postgres://sluice:secret@127.0.0.1/events")
        #expect(plain == PostgresLocation(user: "sluice", password: "secret", host: "127.0.0.1", port: 5432, database: "events"))
        let ipv6 = try PostgresLocation(url: "postgres://u:p@[::1]:5433/db")
        #expect(ipv6.host == "::1" && ipv6.port == 5433)
        for broken in [
            "postgres://u:hunter2@host:99999/db", "postgres://u:hunter2@/db", "postgres://u:hunter2@host/", "postgres://host/db",
            "postgres://u:hunter2@host/db?sslmode=require", "mysql://u:hunter2@host/db",
        ] {
            #expect(throws: SluiceError.self) { try PostgresLocation(url: broken) }
            do { _ = try PostgresLocation(url: broken) } catch { #expect(!error.detail.contains("hunter2"), "\(broken)") }
        }
    }
}

/// Writes each log line, with its metadata, to a capture.
private struct LineHandler: LogHandler {
    let lines: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.level) \(event.message) \(merged)")
    }
}
