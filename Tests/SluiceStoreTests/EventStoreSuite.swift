import Foundation
import SluiceCore
import SluiceStore
import Testing

private let acme = CircleID("acme")!
private let beta = CircleID("beta")!
private let ghost = CircleID("ghost")!

private func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }

private func event(
    _ subject: String, _ invocation: String? = nil, run: String? = nil, payload: String = "{}", cache: CacheMode = .invalidate
) -> EventInput {
    EventInput(subject: Subject(subject)!, payload: try! JSONValue.parse(payload), invocationID: invocation, runID: run, cache: cache)
}

private func key(
    _ id: String, circle: CircleID?, created: Int64 = 1, scopes: Set<Scope> = [.eventsRead], subjects: [String] = [">"],
    revoked: Int64? = nil
) -> APIKeyRecord {
    APIKeyRecord(
        id: id, circle: circle, name: "key \(id)", scopes: scopes, subjects: try! PatternList(subjects, field: "subjects"),
        face: "member", secretDigest: String(repeating: "d", count: 64), createdAt: at(created), expiresAt: nil,
        revokedAt: revoked.map(at))
}

private func shareToken(
    _ jti: String, circle: CircleID = acme, created: Int64 = 1, expires: Int64 = 10_000, revoked: Int64? = nil,
    origins: [String] = ["https://a.example", "https://b.example"]
) -> ShareTokenRecord {
    ShareTokenRecord(
        jti: jti, circle: circle, element: "sales-board", purpose: "public-widget",
        subjects: try! PatternList(["sales-board.*.completed", "sales-board.*.progress"], field: "subjects"), origins: origins,
        maxConnections: 100, createdAt: at(created), expiresAt: at(expires), revokedAt: revoked.map(at))
}

extension EventStore {
    /// Appends one request that must succeed.
    fileprivate func appendOK(_ events: [EventInput], to circle: CircleID, at time: Timestamp = Timestamp(milliseconds: 1000))
        async throws -> [StoredEvent]
    {
        let results = try await append([AppendRequest(circle: circle, events: events)], at: time)
        return try #require(try results.first?.get())
    }

    /// Creates acme and beta, which keys and share tokens need.
    fileprivate func createCircles() async throws {
        _ = try await createCircle(acme, at: Timestamp(milliseconds: 1))
        _ = try await createCircle(beta, at: Timestamp(milliseconds: 1))
    }

    fileprivate func sequences(_ circle: CircleID, after: Int64 = 0) async throws -> [Int64] {
        try await events(in: circle, after: after, limit: 10_000).map(\.sequence)
    }
}

extension AppendOutcome {
    fileprivate var failure: SluiceError? {
        if case .refused(let error) = self { return error }
        return nil
    }

    /// The committed events; throws the refusal otherwise.
    fileprivate func get() throws -> [StoredEvent] {
        switch self {
        case .committed(let events): return events
        case .refused(let error): throw error
        case .replayed: throw SluiceError.conflict("replayed")
        }
    }
}

/// The one suite every `EventStore` engine must pass.
@Suite("EventStore conformance", .timeLimit(.minutes(1))) struct EventStoreSuite {
    // MARK: Circles

    @Test(arguments: StoreEngine.all)
    func circlesCreateListExistsDelete(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            #expect(try await store.circles().isEmpty)
            #expect(try await store.createCircle(beta, at: at(20)))
            #expect(try await store.createCircle(acme, at: at(10)))
            #expect(try await !store.createCircle(acme, at: at(30)))
            #expect(
                try await store.circles().map { [$0.id.rawValue, $0.createdAt.rfc3339] } == [["acme", at(10).rfc3339], ["beta", at(20).rfc3339]])
            #expect(try await store.circleExists(acme))
            #expect(try await !store.circleExists(ghost))
            #expect(try await store.deleteCircle(acme))
            #expect(try await !store.deleteCircle(acme))
            #expect(try await !store.circleExists(acme))
            #expect(try await store.circles().map(\.id) == [beta])
        }
    }

    @Test(arguments: StoreEngine.all)
    func deletingACircleRemovesEverythingOfIt(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.createCircle(beta, at: at(1))
            _ = try await store.appendOK([event("job.run.started", "inv_1"), event("a.b")], to: acme)
            _ = try await store.appendOK([event("a.b")], to: beta)
            try await store.insertKey(key("acmekey00001", circle: acme))
            try await store.insertKey(key("betakey00001", circle: beta))
            try await store.insertShareToken(shareToken("jti-acme"))
            try await store.insertShareToken(shareToken("jti-beta", circle: beta))

            #expect(try await store.deleteCircle(acme))
            #expect(try await store.key(id: "acmekey00001") == nil)
            #expect(try await store.shareToken(jti: "jti-acme") == nil)
            #expect(try await store.events(in: acme, after: 0, limit: 100).isEmpty)
            #expect(try await store.bounds(of: acme) == LogBounds(latest: 0, trimmedThrough: 0))
            // The other circle is untouched.
            #expect(try await store.key(id: "betakey00001") != nil)
            #expect(try await store.shareToken(jti: "jti-beta") != nil)
            #expect(try await store.sequences(beta) == [1])

            // A circle created again starts afresh: sequence 1, no lifecycle state.
            _ = try await store.createCircle(acme, at: at(2))
            let again = try await store.appendOK([event("job.run.started", "inv_1")], to: acme)
            #expect(again.map(\.sequence) == [1])
        }
    }

    // MARK: API keys

    @Test(arguments: StoreEngine.all)
    func keysInsertAndGet(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            let circleKey = APIKeyRecord(
                id: "abcdefghij12", circle: acme, name: nil, scopes: [.eventsRead, .eventsPublish, .shareManage],
                subjects: try PatternList(["sales-board.>", "*.update.completed"], field: "subjects"), face: "public-widget",
                secretDigest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", createdAt: at(1_773_921_600_123),
                expiresAt: at(1_800_000_000_000))
            let platformKey = APIKeyRecord(
                id: "platform0001", circle: nil, name: "bootstrap", scopes: [.platformAdmin], subjects: .all, face: "member",
                secretDigest: "00", createdAt: at(5), expiresAt: nil)
            try await store.insertKey(circleKey)
            try await store.insertKey(platformKey)
            var bound = circleKey
            bound.incarnation = try await store.circleIncarnations()[acme]
            #expect(bound.incarnation?.isEmpty == false, "a circle key is bound to its circle's incarnation")
            #expect(try await store.key(id: "abcdefghij12") == bound)
            #expect(try await store.key(id: "platform0001") == platformKey)
            #expect(try await store.key(id: "nosuchkey000") == nil)
        }
    }

    @Test(arguments: StoreEngine.all)
    func keysAreListedPerCircleOrPlatform(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            try await store.createCircles()
            try await store.insertKey(key("acme00000003", circle: acme, created: 3))
            try await store.insertKey(key("acme00000001", circle: acme, created: 1))
            try await store.insertKey(key("acme00000002", circle: acme, created: 1))
            try await store.insertKey(key("beta00000001", circle: beta, created: 2))
            try await store.insertKey(key("platform0001", circle: nil, created: 2))
            #expect(try await store.keys(in: acme).map(\.id) == ["acme00000001", "acme00000002", "acme00000003"])
            #expect(try await store.keys(in: beta).map(\.id) == ["beta00000001"])
            #expect(try await store.keys(in: nil).map(\.id) == ["platform0001"])
            #expect(try await store.keys(in: ghost).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.all)
    func revokedKeysLeaveTheActiveSet(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            try await store.createCircles()
            try await store.insertKey(key("acme00000001", circle: acme))
            try await store.insertKey(key("acme00000002", circle: acme))
            try await store.insertKey(key("old000000001", circle: acme, revoked: 5))
            try await store.insertKey(key("platform0001", circle: nil))
            #expect(Set(try await store.activeKeys().map(\.id)) == ["acme00000001", "acme00000002", "platform0001"])

            #expect(try await store.revokeKey(id: "acme00000001", at: at(77)))
            #expect(try await !store.revokeKey(id: "acme00000001", at: at(88)))
            #expect(try await !store.revokeKey(id: "nosuchkey000", at: at(88)))
            #expect(try await store.key(id: "acme00000001")?.revokedAt == at(77))
            #expect(Set(try await store.activeKeys().map(\.id)) == ["acme00000002", "platform0001"])
            // Revoked keys are still listed for their circle.
            #expect(try await store.keys(in: acme).count == 3)
        }
    }

    @Test(arguments: StoreEngine.all)
    func replaceKeySecretOnlyForLiveKeys(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            try await store.createCircles()
            try await store.insertKey(key("acme00000001", circle: acme))
            try await store.insertKey(key("old000000001", circle: acme, revoked: 5))
            #expect(try await store.replaceKeySecret(id: "acme00000001", digest: "new-digest"))
            #expect(try await store.key(id: "acme00000001")?.secretDigest == "new-digest")
            #expect(try await !store.replaceKeySecret(id: "old000000001", digest: "x"))
            #expect(try await store.key(id: "old000000001")?.secretDigest == String(repeating: "d", count: 64))
            #expect(try await !store.replaceKeySecret(id: "nosuchkey000", digest: "x"))
        }
    }

    @Test(arguments: StoreEngine.all)
    func recordKeyUseKeepsTheNewestTime(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            try await store.createCircles()
            try await store.insertKey(key("acme00000001", circle: acme))
            try await store.insertKey(key("acme00000002", circle: acme))
            try await store.recordKeyUse([:])
            #expect(try await store.key(id: "acme00000001")?.lastUsedAt == nil)
            try await store.recordKeyUse(["acme00000001": at(500), "acme00000002": at(600), "nosuchkey000": at(1)])
            #expect(try await store.key(id: "acme00000001")?.lastUsedAt == at(500))
            #expect(try await store.key(id: "acme00000002")?.lastUsedAt == at(600))
            try await store.recordKeyUse(["acme00000001": at(400)])
            #expect(try await store.key(id: "acme00000001")?.lastUsedAt == at(500))
            try await store.recordKeyUse(["acme00000001": at(900)])
            #expect(try await store.key(id: "acme00000001")?.lastUsedAt == at(900))
        }
    }

    @Test(arguments: StoreEngine.all)
    func duplicateKeyIDIsRefused(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            try await fixture.store.createCircles()
            try await fixture.store.insertKey(key("acme00000001", circle: acme))
            await #expect(throws: (any Error).self) { try await fixture.store.insertKey(key("acme00000001", circle: beta)) }
            #expect(try await fixture.store.key(id: "acme00000001")?.circle == acme)
        }
    }

    // MARK: Appending

    /// Group commit: each request succeeds or fails alone; a failed one
    /// leaves no trace and no gap in the sequence.
    @Test(arguments: StoreEngine.all)
    func appendGroupWhereOneRequestBreaksTheLifecycle(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.createCircle(beta, at: at(1))
            let results = try await store.append(
                [
                    AppendRequest(circle: acme, events: [event("job.run.started", "inv_1"), event("job.run.progress", "inv_1")]),
                    AppendRequest(circle: acme, events: [event("other.thing"), event("job.run.progress", "inv_2")]),
                    AppendRequest(circle: beta, events: [event("b.one")]),
                    AppendRequest(circle: acme, events: [event("job.run.completed", "inv_1")]),
                    AppendRequest(circle: ghost, events: [event("g.one")]),
                    AppendRequest(circle: acme, events: [event("job.run.progress", "inv_1")]),
                ], at: at(1000))
            #expect(results.count == 6)
            #expect(try results[0].get().map(\.sequence) == [1, 2])
            #expect(results[1].failure?.code == "lifecycle_violation")
            #expect(results[1].failure?.status == 409)
            #expect(try results[2].get().map(\.sequence) == [1])
            #expect(try results[3].get().map(\.sequence) == [3])
            #expect(results[4].failure?.code == "not_found")
            #expect(results[5].failure?.code == "lifecycle_violation")

            let stored = try await store.events(in: acme, after: 0, limit: 100)
            #expect(stored.map(\.sequence) == [1, 2, 3])
            #expect(stored.map(\.subject.rawValue) == ["job.run.started", "job.run.progress", "job.run.completed"])
            #expect(try await store.sequences(beta) == [1])
            #expect(try await store.bounds(of: acme) == LogBounds(latest: 3, trimmedThrough: 0))
            #expect(try await store.bounds(of: beta) == LogBounds(latest: 1, trimmedThrough: 0))

            // The refused request left no lifecycle state: inv_2 may still start.
            #expect(try await store.appendOK([event("job.run.started", "inv_2")], to: acme).map(\.sequence) == [4])
        }
    }

    @Test(arguments: StoreEngine.all)
    func aBrokenBatchStoresNothingOfItself(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            let results = try await store.append(
                [AppendRequest(circle: acme, events: [event("a.one"), event("x.started", "inv_3"), event("x.started", "inv_3")])],
                at: at(1))
            #expect(results.first?.failure?.code == "lifecycle_violation")
            #expect(try await store.sequences(acme).isEmpty)
            #expect(try await store.bounds(of: acme).latest == 0)
            #expect(try await store.appendOK([event("x.started", "inv_3")], to: acme).map(\.sequence) == [1])
        }
    }

    @Test(arguments: StoreEngine.all)
    func sequencesArePerCircleFromOneWithoutGaps(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.createCircle(beta, at: at(1))
            var expectedAcme: [Int64] = []
            for round in 0..<10 {
                let batch = (0...(round % 3)).map { _ in event("a.b") }
                let stored = try await store.appendOK(batch, to: acme)
                expectedAcme += stored.map(\.sequence)
                if round.isMultiple(of: 2) { _ = try await store.appendOK([event("b.c")], to: beta) }
                _ = try await store.append([AppendRequest(circle: acme, events: [event("x.progress", "never-started")])], at: at(1))
            }
            #expect(expectedAcme == Array(1...Int64(expectedAcme.count)))
            #expect(try await store.sequences(acme) == expectedAcme)
            #expect(try await store.sequences(beta) == [1, 2, 3, 4, 5])
        }
    }

    @Test(arguments: StoreEngine.all)
    func concurrentAppendsGetDistinctContiguousSequences(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            let all = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for task in 0..<16 {
                    group.addTask {
                        var mine: [Int64] = []
                        for i in 0..<5 {
                            let events = [event("t\(task).e\(i)"), event("t\(task).e\(i)")]
                            mine += try await store.appendOK(events, to: acme).map(\.sequence)
                        }
                        return mine
                    }
                }
                var all: [Int64] = []
                for try await sequences in group {
                    #expect(sequences == sequences.sorted())
                    all += sequences
                }
                return all
            }
            #expect(all.sorted() == Array(1...160))
            #expect(try await store.sequences(acme) == Array(1...160))
        }
    }

    @Test(arguments: StoreEngine.all)
    func storedEventsKeepEveryField(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            let full = EventInput(
                subject: Subject("automation.execute.started")!,
                payload: try JSONValue.parse(#"{"z":1.50,"a":[true,null,{"k":"line\nbreak \u2028 😀"}],"n":-0}"#),
                invocationID: "inv_7", runID: "run_1", actor: EventActor(type: .agent, id: "ag_1"), traceID: "4bf92f35",
                cache: .apply)
            let bare = EventInput(subject: Subject("x")!, actor: EventActor(type: .system, id: nil))
            let stored = try await store.appendOK([full, bare], to: acme, at: at(1_773_921_600_123))
            #expect(stored.map(\.input) == [full, bare])
            #expect(stored.allSatisfy { $0.timestamp == at(1_773_921_600_123) && $0.circle == acme })
            let read = try await store.events(in: acme, after: 0, limit: 10)
            #expect(read == stored)
            #expect(read.first?.input.payload.jsonText == #"{"z":1.50,"a":[true,null,{"k":"line\nbreak \u2028 😀"}],"n":-0}"#)
        }
    }

    @Test(arguments: StoreEngine.all)
    func appendingToAnUnknownCircleFails(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let results = try await fixture.store.append([AppendRequest(circle: ghost, events: [event("a")])], at: at(1))
            #expect(results.first?.failure?.code == "not_found")
            #expect(try await !fixture.store.circleExists(ghost))
        }
    }

    /// The lifecycle contract holds across a restart.
    @Test(arguments: StoreEngine.all)
    func lifecycleStateSurvivesReopening(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            _ = try await fixture.store.createCircle(acme, at: at(1))
            _ = try await fixture.store.appendOK(
                [event("job.run.started", "open_inv"), event("job.run.started", "done_inv"), event("job.run.completed", "done_inv")],
                to: acme)

            let reopened = try await fixture.reopen()
            #expect(try await reopened.circleExists(acme))
            #expect(try await reopened.bounds(of: acme).latest == 3)
            let refused = try await reopened.append(
                [
                    AppendRequest(circle: acme, events: [event("job.run.started", "open_inv")]),
                    AppendRequest(circle: acme, events: [event("job.run.progress", "done_inv")]),
                    AppendRequest(circle: acme, events: [event("job.run.progress", "unknown_inv")]),
                ], at: at(2))
            #expect(refused.map { $0.failure?.code } == ["lifecycle_violation", "lifecycle_violation", "lifecycle_violation"])
            let accepted = try await reopened.appendOK([event("job.run.progress", "open_inv"), event("job.run.failed", "open_inv")], to: acme)
            #expect(accepted.map(\.sequence) == [4, 5])
            #expect(try await reopened.sequences(acme) == [1, 2, 3, 4, 5])
        }
    }

    // MARK: Reading

    @Test(arguments: StoreEngine.all)
    func eventsAfterWithLimit(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.createCircle(beta, at: at(1))
            _ = try await store.appendOK((1...10).map { event("a.e\($0)") }, to: acme)
            _ = try await store.appendOK([event("b.e1")], to: beta)
            #expect(try await store.events(in: acme, after: 3, limit: 4).map(\.sequence) == [4, 5, 6, 7])
            #expect(try await store.events(in: acme, after: 8, limit: 100).map(\.sequence) == [9, 10])
            #expect(try await store.events(in: acme, after: 10, limit: 100).isEmpty)
            #expect(try await store.events(in: acme, after: 0, limit: 1).map(\.subject.rawValue) == ["a.e1"])
            #expect(try await store.events(in: ghost, after: 0, limit: 100).isEmpty)
            #expect(try await store.events(in: beta, after: 0, limit: 100).map(\.subject.rawValue) == ["b.e1"])
        }
    }

    @Test(arguments: StoreEngine.all)
    func eventsOfOneRun(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.appendOK(
                [
                    event("job.run.started", "inv_1"),  // 1, run inv_1 (defaults to the invocation)
                    event("job.step.started", "step_a", run: "inv_1"),  // 2
                    event("noise.update"),  // 3
                    event("job.run.started", "inv_2"),  // 4
                    event("job.step.completed", "step_a", run: "inv_1"),  // 5
                    event("job.run.completed", "inv_1"),  // 6
                ], to: acme)
            #expect(try await store.events(in: acme, run: "inv_1", after: 0, limit: 100).map(\.sequence) == [1, 2, 5, 6])
            #expect(try await store.events(in: acme, run: "inv_1", after: 2, limit: 100).map(\.sequence) == [5, 6])
            #expect(try await store.events(in: acme, run: "inv_1", after: 0, limit: 2).map(\.sequence) == [1, 2])
            #expect(try await store.events(in: acme, run: "inv_2", after: 0, limit: 100).map(\.sequence) == [4])
            #expect(try await store.events(in: acme, run: "nope", after: 0, limit: 100).isEmpty)
            #expect(try await store.events(in: beta, run: "inv_1", after: 0, limit: 100).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.all)
    func boundsOfAnUnknownOrEmptyCircle(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            #expect(try await fixture.store.bounds(of: ghost) == LogBounds(latest: 0, trimmedThrough: 0))
            _ = try await fixture.store.createCircle(acme, at: at(1))
            #expect(try await fixture.store.bounds(of: acme) == LogBounds(latest: 0, trimmedThrough: 0))
        }
    }

    // MARK: Retention

    @Test(arguments: StoreEngine.all)
    func trimRemovesALargeBacklogCompletely(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            // More than one engine batch (SQLite deletes 1,000 per transaction).
            for chunk in 0..<5 {
                _ = try await store.appendOK((1...500).map { event("a.c\(chunk).e\($0)") }, to: acme)
            }
            #expect(try await store.trim(acme, maxEvents: 100, olderThan: nil) == 2400)
            #expect(try await store.bounds(of: acme) == LogBounds(latest: 2500, trimmedThrough: 2400))
            #expect(try await store.sequences(acme) == Array(2401...2500))
        }
    }

    @Test(arguments: StoreEngine.all)
    func trimByMaximumEvents(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.createCircle(beta, at: at(1))
            _ = try await store.appendOK((1...10).map { event("a.e\($0)") }, to: acme)
            _ = try await store.appendOK((1...3).map { event("b.e\($0)") }, to: beta)
            #expect(try await store.trim(acme, maxEvents: 4, olderThan: nil) == 6)
            #expect(try await store.bounds(of: acme) == LogBounds(latest: 10, trimmedThrough: 6))
            #expect(try await store.sequences(acme) == [7, 8, 9, 10])
            #expect(try await store.sequences(acme, after: 2) == [7, 8, 9, 10])
            #expect(try await store.trim(acme, maxEvents: 4, olderThan: nil) == 0)
            #expect(try await store.bounds(of: acme).trimmedThrough == 6)
            #expect(try await store.trim(acme, maxEvents: 100, olderThan: nil) == 0)
            #expect(try await store.bounds(of: acme).trimmedThrough == 6)
            // Other circles are untouched; new events continue the sequence.
            #expect(try await store.sequences(beta) == [1, 2, 3])
            #expect(try await store.appendOK([event("a.more")], to: acme).map(\.sequence) == [11])
            #expect(try await store.trim(acme, maxEvents: 0, olderThan: nil) == 5)
            #expect(try await store.bounds(of: acme) == LogBounds(latest: 11, trimmedThrough: 11))
            #expect(try await store.sequences(acme).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.all)
    func trimByAge(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.appendOK([event("a.1"), event("a.2"), event("a.3")], to: acme, at: at(1000))
            _ = try await store.appendOK([event("a.4"), event("a.5")], to: acme, at: at(2000))
            _ = try await store.appendOK([event("a.6")], to: acme, at: at(3000))
            #expect(try await store.trim(acme, maxEvents: nil, olderThan: at(1000)) == 0)
            #expect(try await store.bounds(of: acme).trimmedThrough == 0)
            #expect(try await store.trim(acme, maxEvents: nil, olderThan: at(2500)) == 5)
            #expect(try await store.bounds(of: acme) == LogBounds(latest: 6, trimmedThrough: 5))
            #expect(try await store.sequences(acme) == [6])
            #expect(try await store.trim(acme, maxEvents: nil, olderThan: at(2500)) == 0)
            #expect(try await store.trim(acme, maxEvents: nil, olderThan: nil) == 0)
        }
    }

    @Test(arguments: StoreEngine.all)
    func trimByBothTakesTheFurtherCut(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.appendOK([event("a.1"), event("a.2")], to: acme, at: at(1000))
            _ = try await store.appendOK((3...10).map { event("a.\($0)") }, to: acme, at: at(5000))
            // Age alone would cut 2, count alone 7: the further cut (7) wins.
            #expect(try await store.trim(acme, maxEvents: 3, olderThan: at(2000)) == 7)
            #expect(try await store.bounds(of: acme).trimmedThrough == 7)
            #expect(try await store.trim(ghost, maxEvents: 1, olderThan: at(9999)) == 0)
        }
    }

    // MARK: Share tokens

    @Test(arguments: StoreEngine.all)
    func shareTokensInsertGetListRevoke(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            try await store.createCircles()
            let live = shareToken("jti-live", created: 2)
            let second = shareToken("jti-second", created: 3, origins: [])
            let expired = shareToken("jti-expired", created: 1, expires: 500)
            let revoked = shareToken("jti-revoked", created: 1, revoked: 50)
            let otherCircle = shareToken("jti-beta", circle: beta)
            for token in [second, live, expired, revoked, otherCircle] { try await store.insertShareToken(token) }
            let incarnations = try await store.circleIncarnations()
            for var token in [live, second, expired, revoked] {
                token.incarnation = incarnations[acme] ?? ""
                #expect(try await store.shareToken(jti: token.jti) == token)
            }

            #expect(try await store.shareToken(jti: "nope") == nil)

            #expect(try await store.shareTokens(in: acme, now: at(1000)).map(\.jti) == ["jti-live", "jti-second"])
            #expect(try await store.shareTokens(in: acme, now: at(400)).map(\.jti) == ["jti-expired", "jti-live", "jti-second"])
            #expect(try await store.shareTokens(in: acme, now: at(10_000)).isEmpty)
            #expect(try await store.shareTokens(in: beta, now: at(1000)).map(\.jti) == ["jti-beta"])

            #expect(try await !store.revokeShareToken(circle: beta, jti: "jti-live", at: at(600)))
            #expect(try await store.revokeShareToken(circle: acme, jti: "jti-live", at: at(600)))
            #expect(try await !store.revokeShareToken(circle: acme, jti: "jti-live", at: at(700)))
            #expect(try await !store.revokeShareToken(circle: acme, jti: "jti-revoked", at: at(700)))
            #expect(try await !store.revokeShareToken(circle: acme, jti: "nope", at: at(700)))
            #expect(try await store.shareToken(jti: "jti-live")?.revokedAt == at(600))
            #expect(try await store.shareTokens(in: acme, now: at(1000)).map(\.jti) == ["jti-second"])
        }
    }

    @Test(arguments: StoreEngine.all)
    func duplicateJTIIsRefused(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            try await fixture.store.createCircles()
            try await fixture.store.insertShareToken(shareToken("jti-1"))
            await #expect(throws: (any Error).self) { try await fixture.store.insertShareToken(shareToken("jti-1", circle: beta)) }
        }
    }

    // MARK: Settings

    @Test(arguments: StoreEngine.all)
    func settingKeepsTheFirstStoredValue(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            let secret: [UInt8] = [0, 1, 2, 254, 255]
            #expect(try await store.setting("opaque-id-secret", default: secret) == secret)
            #expect(try await store.setting("opaque-id-secret", default: [9, 9]) == secret)
            #expect(try await store.setting("share-signing-key", default: [7]) == [7])
            #expect(try await fixture.reopen().setting("opaque-id-secret", default: [1]) == secret)
        }
    }

    @Test(arguments: StoreEngine.all)
    func concurrentFirstSettingsAgreeOnOneValue(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            let values = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for i in 0..<8 { group.addTask { try await store.setting("race", default: [UInt8(i)]) } }
                return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
            }
            #expect(Set(values).count == 1)
        }
    }
}
