import Foundation
import SluiceCore
import SluiceStore
import Testing

private func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }

/// Leases and connection slots: what several nodes on one database agree on
/// through the store (contract section 11). Every engine keeps them the same
/// way, so they are tested on each.
@Suite("Node coordination conformance", .timeLimit(.minutes(1))) struct NodeCoordinationSuite {
    @Test(arguments: StoreEngine.all)
    func aLeaseHasOneHolderUntilItExpiresOrIsReleased(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            #expect(try await store.acquireLease("retention", holder: "node-a", until: at(30_000), now: at(0)))
            #expect(try await !store.acquireLease("retention", holder: "node-b", until: at(31_000), now: at(1_000)), "held by a")
            #expect(try await store.acquireLease("retention", holder: "node-a", until: at(60_000), now: at(29_000)), "a renews")
            #expect(try await !store.acquireLease("retention", holder: "node-b", until: at(61_000), now: at(59_999)), "renewed, still a's")
            #expect(try await store.acquireLease("retention", holder: "node-b", until: at(90_000), now: at(60_000)), "expired: b takes it")
            #expect(try await !store.acquireLease("retention", holder: "node-a", until: at(95_000), now: at(61_000)), "now b's")
            #expect(try await store.acquireLease("webhook:wh_1", holder: "node-a", until: at(95_000), now: at(61_000)), "names are separate")
            try await store.releaseLease("retention", holder: "node-a")
            #expect(try await !store.acquireLease("retention", holder: "node-a", until: at(95_000), now: at(62_000)), "a cannot release b's")
            try await store.releaseLease("retention", holder: "node-b")
            #expect(try await store.acquireLease("retention", holder: "node-a", until: at(95_000), now: at(62_000)), "released: free")
        }
    }

    @Test(arguments: StoreEngine.all)
    func slotsCountEveryHolderAndExpireUnlessRenewed(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            let first = try #require(try await store.acquireSlot(credential: "jti-1", holder: "a", maximum: 2, until: at(30_000), now: at(0)))
            let second = try #require(try await store.acquireSlot(credential: "jti-1", holder: "b", maximum: 2, until: at(30_000), now: at(0)))
            #expect(first != second)
            #expect(try await store.acquireSlot(credential: "jti-1", holder: "a", maximum: 2, until: at(30_000), now: at(1)) == nil)
            #expect(try await store.acquireSlot(credential: "jti-2", holder: "a", maximum: 1, until: at(30_000), now: at(1)) != nil)
            try await store.releaseSlot(id: first)
            let third = try #require(try await store.acquireSlot(credential: "jti-1", holder: "a", maximum: 2, until: at(30_000), now: at(2)))
            // a renews its slots; b vanished and does not: b's slot frees when it expires.
            try await store.renewSlots(holder: "a", until: at(60_000))
            #expect(try await store.acquireSlot(credential: "jti-1", holder: "c", maximum: 2, until: at(60_000), now: at(29_999)) == nil)
            let fourth = try #require(try await store.acquireSlot(credential: "jti-1", holder: "c", maximum: 2, until: at(60_000), now: at(30_000)))
            #expect(try await store.acquireSlot(credential: "jti-1", holder: "c", maximum: 2, until: at(60_000), now: at(30_001)) == nil)
            try await store.releaseSlot(id: third)
            try await store.releaseSlot(id: fourth)
            try await store.releaseSlot(id: fourth)
            #expect(try await store.acquireSlot(credential: "jti-1", holder: "c", maximum: 1, until: at(60_000), now: at(30_002)) != nil)
        }
    }

    @Test(arguments: StoreEngine.all)
    func concurrentSlotRequestsNeverExceedTheMaximum(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            let store = fixture.store
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for holder in 0..<20 {
                    group.addTask {
                        try await store.acquireSlot(credential: "jti-x", holder: "n\(holder)", maximum: 5, until: at(30_000), now: at(0)) != nil
                    }
                }
                var count = 0
                for try await ok in group where ok { count += 1 }
                return count
            }
            #expect(granted == 5)
        }
    }

    @Test(arguments: StoreEngine.all)
    func theStoreAnswersWhenAvailable(_ engine: StoreEngine) async throws {
        try await withFreshStore(engine) { (fixture) async throws in
            try await fixture.store.checkAvailable()
        }
    }
}
