import Foundation
import SluiceCore
import SluiceHub
import SluiceSQLite
import SluiceStore
import Synchronization
import Testing

/// A share token's connection limit counted in the store, as nodes of a
/// shared store count it: a slot before registering, given back at the end,
/// and a node that stops renewing loses its slots after their lifetime.
@Suite struct ConnectionSlotsTests {
    @Test func slotsAreTakenBeforeRegisteringAndGivenBackAtTheEnd() async throws {
        try await withSlots { store, clock in
            let here = ConnectionSlots(store: store, holder: "node-a", now: { clock.now() })
            let hub = Hub(policies: PolicyStore(memberPolicies()), followsStore: true, slots: here)
            let fixture = HubFixture(hub: hub, store: store)
            let limited = spec(credential: .shareToken(jti: "j1"), maximumConnections: 2)
            let first = try await fixture.open(limited, resumeAfter: nil)
            // Another node holds the second slot.
            let elsewhere = ConnectionSlots(store: store, holder: "node-b", now: { clock.now() })
            let theirs = try await store.acquireSlot(
                credential: "j1", holder: elsewhere.holder, maximum: 2, until: Timestamp(milliseconds: 30_000), now: Timestamp(milliseconds: 0))
            #expect(theirs != nil)
            await #expect(throws: SluiceError.self) { try await fixture.open(limited, resumeAfter: nil) }
            // The fast path never opens a counted stream itself.
            #expect(try hub.openLive(limited, store: store) == nil)
            first.release()
            #expect(here.pendingReleases == 1)
            try await giveBack(here)
            let again = try await fixture.open(limited, resumeAfter: nil)
            // Node B vanished: its slot expires 30 s after its last renewal, and it is ours to take.
            await #expect(throws: SluiceError.self) { try await fixture.open(limited, resumeAfter: nil) }
            clock.set(Timestamp(milliseconds: 31_000))
            try await store.renewSlots(holder: here.holder, until: Timestamp(milliseconds: 61_000))
            let taken = try await fixture.open(limited, resumeAfter: nil)
            again.release()
            taken.release()
        }
    }

    /// Runs the keeper until the queued slots are given back.
    func giveBack(_ slots: ConnectionSlots) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await ConnectionSlotKeeper(slots: slots, renewal: .milliseconds(10), clock: ContinuousClock(), logger: .init(label: "test"))
                    .run()
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while slots.pendingReleases > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            group.cancelAll()
        }
        #expect(slots.pendingReleases == 0)
    }

    func withSlots(_ body: (any EventStore, StoreClock) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-slots-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteEventStore(path: directory.appendingPathComponent("hub.db").path)
        _ = try await store.createCircle(acme, at: Timestamp(milliseconds: 0))
        let clock = StoreClock()
        try await body(store, clock)
    }
}

/// A store time the test sets.
final class StoreClock: Sendable {
    private let value = Mutex(Timestamp(milliseconds: 0))
    func now() -> Timestamp { value.withLock { $0 } }
    func set(_ time: Timestamp) { value.withLock { $0 = time } }
}
