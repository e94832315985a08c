import Foundation
import SluiceCore
import SluiceStore
import Testing

private let acme = CircleID("acme")!
private func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }

/// The change feed and circle incarnations, which every engine must provide
/// the same way: each mutation of circles, keys and share tokens writes its
/// change in the same transaction, ids only grow, and a circle created again
/// gets a new incarnation.
@Suite("Change feed conformance", .timeLimit(.minutes(1))) struct ChangeFeedSuite {
    func key(_ id: String, circle: CircleID?) -> APIKeyRecord {
        APIKeyRecord(
            id: id, circle: circle, name: nil, scopes: [.eventsRead], subjects: .all, face: "member",
            secretDigest: String(repeating: "d", count: 64), createdAt: at(1), expiresAt: nil)
    }

    func token(_ jti: String) -> ShareTokenRecord {
        ShareTokenRecord(
            jti: jti, circle: acme, element: "board", purpose: "member", subjects: .all, origins: [], maxConnections: 1,
            createdAt: at(1), expiresAt: at(9_000_000_000_000))
    }

    @Test(arguments: StoreEngine.all)
    func everyMutationWritesItsChangeInOrder(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            #expect(try await store.latestChangeID() == 0)
            #expect(try await store.createCircle(acme, at: at(1)))
            let first = try #require(try await store.circleIncarnations()[acme])
            try await store.insertKey(key("acme00000001", circle: acme))
            try await store.insertKey(key("platform0001", circle: nil))
            #expect(try await store.replaceKeySecret(id: "acme00000001", digest: "x"))
            #expect(try await store.revokeKey(id: "acme00000001", at: at(2)))
            #expect(try await !store.revokeKey(id: "acme00000001", at: at(3)), "no change for what did not change")
            try await store.insertShareToken(token("jti-1"))
            #expect(try await store.revokeShareToken(circle: acme, jti: "jti-1", at: at(4)))
            try await store.recordChange(.webhookChanged, circle: acme, subject: "wh_1", at: at(5))
            #expect(try await store.deleteCircle(acme))
            #expect(try await store.createCircle(acme, at: at(6)))
            let second = try #require(try await store.circleIncarnations()[acme])
            #expect(first != second, "a circle created again is a new incarnation")

            let changes = try await store.changes(after: 0, limit: 100)
            #expect(
                changes.map(\.kind) == [
                    .circleCreated, .keyCreated, .keyCreated, .keyRotated, .keyRevoked, .shareCreated, .shareRevoked,
                    .webhookChanged, .circleDeleted, .circleCreated,
                ])
            #expect(
                changes.map(\.subject) == [nil, "acme00000001", "platform0001", "acme00000001", "acme00000001", "jti-1", "jti-1", "wh_1", nil, nil])
            #expect(changes.map(\.incarnation) == [first, first, nil, first, first, first, first, first, first, second])
            #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.id < $1.id })
            #expect(try await store.latestChangeID() == changes.last?.id)
            #expect(try await store.changes(after: changes[7].id, limit: 100).map(\.kind) == [.circleDeleted, .circleCreated])
            #expect(try await store.changes(after: 0, limit: 2).count == 2)
        }
    }

    @Test(arguments: StoreEngine.all)
    func credentialsNeedTheirCircle(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            await #expect(throws: SluiceError.self) { try await store.insertKey(key("acme00000001", circle: acme)) }
            await #expect(throws: SluiceError.self) { try await store.insertShareToken(token("jti-1")) }
            #expect(try await store.latestChangeID() == 0, "a refused write records nothing")
        }
    }

    @Test(arguments: StoreEngine.all)
    func trimmingKeepsTheNewestChangeAndTheIdsGrowing(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: at(1))
            try await store.recordChange(.webhookChanged, circle: acme, subject: "a", at: at(10))
            try await store.recordChange(.webhookChanged, circle: acme, subject: "b", at: at(20))
            let newest = try await store.latestChangeID()
            #expect(try await store.trimChanges(before: at(1000)) == 2)
            #expect(try await store.changes(after: 0, limit: 10).map(\.subject) == ["b"])
            #expect(try await store.latestChangeID() == newest)
            try await store.recordChange(.webhookChanged, circle: nil, subject: "c", at: at(30))
            #expect(try await store.latestChangeID() == newest + 1)
        }
    }
}
