import Foundation
import SluiceCore
import SluiceStore
import Testing

private let acme = CircleID("acme")!
private let beta = CircleID("beta")!

private func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }

private func event(_ subject: String, _ invocation: String? = nil) -> EventInput {
    EventInput(subject: Subject(subject)!, invocationID: invocation)
}

private func claim(_ key: String, body: String = "digest-a", credential: String = "key:k1") -> IdempotencyClaim {
    IdempotencyClaim(credential: credential, key: key, bodyDigest: body)
}

/// Idempotency keys and fairness overrides, the ingest parts of the one suite.
extension EventStoreSuite {
    @Test(arguments: StoreEngine.all)
    func anIdempotencyKeyIsRecordedWithItsEventsAndReplayed(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            _ = try await store.createCircle(beta, at: at(1))
            let first = try await store.append(
                [AppendRequest(circle: acme, events: [event("a.b"), event("a.c")], idempotency: claim("k"))], at: at(1000))
            #expect(first.first?.committed?.map(\.sequence) == [1, 2])
            // Later in the same group and in a later commit: the first answer, nothing new.
            let again = try await store.append(
                [
                    AppendRequest(circle: acme, events: [event("a.b"), event("a.c")], idempotency: claim("k")),
                    AppendRequest(circle: acme, events: [event("a.b")], idempotency: claim("k", body: "digest-b")),
                    AppendRequest(circle: acme, events: [event("a.b")], idempotency: claim("k", credential: "key:k2")),
                    AppendRequest(circle: beta, events: [event("a.b")], idempotency: claim("k")),
                ], at: at(2000))
            #expect(again[0] == .replayed(.created(ids: [1, 2])))
            #expect(again[1] == .refused(.idempotencyMismatch()))
            #expect(again[2].committed?.map(\.sequence) == [3])
            #expect(again[3].committed?.map(\.sequence) == [1])
            #expect(try await store.events(in: acme, after: 0, limit: 100).map(\.sequence) == [1, 2, 3])
            // Read outside a commit, and after a restart.
            let reopened = try await fixture.reopen()
            #expect(try await reopened.idempotentAnswer(circle: acme, claim: claim("k"), now: at(3000)) == .replayed(.created(ids: [1, 2])))
            let mismatch = try await reopened.idempotentAnswer(circle: acme, claim: claim("k", body: "x"), now: at(3000))
            #expect(mismatch == .refused(.idempotencyMismatch()))
            #expect(try await reopened.idempotentAnswer(circle: acme, claim: claim("other"), now: at(3000)) == nil)
        }
    }

    @Test(arguments: StoreEngine.all)
    func aLifecycleRefusalIsRecordedAndNothingElseIs(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            let refused = try await store.append(
                [
                    AppendRequest(circle: acme, events: [event("job.run.progress", "inv")], idempotency: claim("bad")),
                    AppendRequest(circle: CircleID("ghost")!, events: [event("a.b")], idempotency: claim("ghost")),
                ], at: at(1000))
            #expect(refused[0].refusal?.code == "lifecycle_violation")
            #expect(refused[1].refusal?.code == "not_found")
            let replay = try await store.idempotentAnswer(circle: acme, claim: claim("bad"), now: at(2000))
            guard case .replayed(.refused(let error))? = replay else {
                Issue.record("no recorded refusal: \(String(describing: replay))")
                return
            }
            #expect(error == refused[0].refusal)
            #expect(try await store.events(in: acme, after: 0, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.all)
    func idempotencyKeysExpireAfterADayInBoundedBatches(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            let day = IdempotencyClaim.lifetimeMilliseconds
            for i in 0..<5 {
                _ = try await store.append([AppendRequest(circle: acme, events: [event("a.b")], idempotency: claim("k\(i)"))], at: at(1000))
            }
            // Within the day the answer is replayed; past it, the key starts afresh.
            #expect(try await store.idempotentAnswer(circle: acme, claim: claim("k0"), now: at(1000 + day - 1)) != nil)
            #expect(try await store.idempotentAnswer(circle: acme, claim: claim("k0"), now: at(1000 + day)) == nil)
            let fresh = try await store.append(
                [AppendRequest(circle: acme, events: [event("a.b")], idempotency: claim("k0", body: "new"))], at: at(1000 + day))
            #expect(fresh.first?.committed?.map(\.sequence) == [6])
            #expect(try await store.expireIdempotencyKeys(before: at(1001), limit: 3) == 3)
            #expect(try await store.expireIdempotencyKeys(before: at(1001), limit: 3) == 1)
            #expect(try await store.expireIdempotencyKeys(before: at(1001), limit: 3) == 0)
            #expect(try await store.idempotentAnswer(circle: acme, claim: claim("k0", body: "new"), now: at(1000 + day)) != nil)
        }
    }

    @Test(arguments: StoreEngine.all)
    func circleLimitOverridesAreStoredAndGoWithTheirCircle(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            #expect(try await store.circleLimits().isEmpty)
            #expect(try await store.updateCircleLimits(CircleID("ghost")!, eventsPerSecond: .set(5), streams: .keep, at: at(2)) == nil)
            let set = try await store.updateCircleLimits(acme, eventsPerSecond: .set(5), streams: .keep, at: at(2))
            #expect(set == CircleLimitsRecord(eventsPerSecond: 5))
            #expect(
                try await store.updateCircleLimits(acme, eventsPerSecond: .keep, streams: .set(7), at: at(3))
                    == CircleLimitsRecord(eventsPerSecond: 5, streams: 7))
            #expect(try await fixture.reopen().circleLimits() == [acme: CircleLimitsRecord(eventsPerSecond: 5, streams: 7)])
            let reset = try await store.updateCircleLimits(acme, eventsPerSecond: .reset, streams: .keep, at: at(4))
            #expect(reset == CircleLimitsRecord(streams: 7))
            _ = try await store.append([AppendRequest(circle: acme, events: [event("a.b")], idempotency: claim("k"))], at: at(5))
            // Deleting the circle removes both; a circle created again with the id inherits nothing.
            #expect(try await store.deleteCircle(acme))
            _ = try await store.createCircle(acme, at: at(6))
            #expect(try await store.circleLimits().isEmpty)
            #expect(try await store.idempotentAnswer(circle: acme, claim: claim("k"), now: at(7)) == nil)
        }
    }
}

extension AppendOutcome {
    fileprivate var committed: [StoredEvent]? {
        if case .committed(let events) = self { return events }
        return nil
    }

    fileprivate var refusal: SluiceError? {
        if case .refused(let error) = self { return error }
        return nil
    }
}
