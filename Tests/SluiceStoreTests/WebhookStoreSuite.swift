import Foundation
import SluiceCore
import SluiceStore
import Testing

/// The webhook part of the store, run against every engine: subscriptions,
/// the cursor over the log, deliveries and what survives a restart.
@Suite struct WebhookStoreSuite {
    let acme = CircleID("acme")!

    func hook(_ id: String, circle: CircleID, cursor: Int64 = 0) -> WebhookRecord {
        WebhookRecord(
            id: id, circle: circle, url: "https://example.com/\(id)", subjects: .all, face: "member", description: "d",
            secret: "whsec_AAAA", cursor: cursor, createdAt: Timestamp(milliseconds: 1))
    }

    func stamp(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: ms) }

    @Test(arguments: StoreEngine.all)
    func subscriptionsAndCursor(engine: StoreEngine) async throws {
        try await withFreshStore(engine) { fixture in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: stamp(1))
            try await store.insertWebhook(hook("wh_1", circle: acme))
            #expect(try await store.webhooks(in: acme).map(\.id) == ["wh_1"])
            #expect(try await store.webhooks(in: CircleID("beta")!).isEmpty)

            #expect(try await store.recordScan(webhook: "wh_1", from: 0, to: 5, sequences: [2, 4], at: stamp(10)))
            #expect(try await !store.recordScan(webhook: "wh_1", from: 0, to: 7, sequences: [6], at: stamp(10)), "a stale cursor writes nothing")
            var record = try #require(try await store.webhook(id: "wh_1"))
            #expect(record.cursor == 5)
            record.url = "https://example.com/other"
            record.cursor = 0
            #expect(try await store.updateWebhook(record))
            let updated = try #require(try await store.webhook(id: "wh_1"))
            #expect(updated.url == "https://example.com/other")
            #expect(updated.cursor == 5, "an update never moves the cursor")

            #expect(try await store.dueDeliveries(webhook: "wh_1", now: stamp(9), limit: 10).isEmpty)
            let due = try await store.dueDeliveries(webhook: "wh_1", now: stamp(10), limit: 10)
            #expect(due.map(\.sequence) == [2, 4])
            #expect(try await store.deliveryCounts(webhook: "wh_1") == DeliveryCounts(pending: 2, failed: 0))
            #expect(try await store.pendingDeliveriesByCircle()[acme] == 2)

            let since = try await store.recordAttempt(
                webhook: "wh_1", sequence: 2,
                DeliveryAttempt(status: .pending, nextAttemptAt: stamp(100), httpStatus: 500, error: nil, at: stamp(20)))
            #expect(since == stamp(20))
            _ = try await store.recordAttempt(
                webhook: "wh_1", sequence: 4, DeliveryAttempt(status: .failed, nextAttemptAt: nil, httpStatus: nil, error: "timeout", at: stamp(30)))
            #expect(try await store.webhook(id: "wh_1")?.failingSince == stamp(20), "the streak keeps its start")
            let cleared = try await store.recordAttempt(
                webhook: "wh_1", sequence: 2, DeliveryAttempt(status: .succeeded, nextAttemptAt: nil, httpStatus: 204, error: nil, at: stamp(100)))
            #expect(cleared == nil)
            await #expect(throws: SluiceError.self) {
                _ = try await store.recordAttempt(
                    webhook: "wh_1", sequence: 2, DeliveryAttempt(status: .succeeded, nextAttemptAt: nil, httpStatus: 204, error: nil, at: stamp(101))
                )
            }
            let succeeded = try await store.deliveries(webhook: "wh_1", status: .succeeded, limit: 10)
            #expect(succeeded.map(\.attempts) == [2])
            #expect(succeeded.first?.lastStatus == 204)
            #expect(try await store.deliveries(webhook: "wh_1", status: nil, limit: 10).map(\.sequence) == [4, 2])

            // Replay: rewinding and scanning again makes a finished delivery pending from its first attempt.
            #expect(try await store.rewindWebhook(id: "wh_1", to: 1))
            #expect(try await store.webhook(id: "wh_1")?.cursor == 1)
            #expect(try await store.recordScan(webhook: "wh_1", from: 1, to: 5, sequences: [2], at: stamp(200)))
            let again = try #require(try await store.deliveries(webhook: "wh_1", status: .pending, limit: 10).first)
            #expect(again.sequence == 2 && again.attempts == 0 && again.lastStatus == nil)

            #expect(try await store.disableWebhook(id: "wh_1", reason: "gone"))
            #expect(try await !store.disableWebhook(id: "wh_1", reason: "gone"))
            let disabled = try #require(try await fixture.reopen().webhook(id: "wh_1"))
            #expect(!disabled.enabled && disabled.disabledReason == "gone" && disabled.cursor == 5)
            #expect(try await fixture.reopen().deliveryCounts(webhook: "wh_1") == DeliveryCounts(pending: 1, failed: 1))
        }
    }

    @Test(arguments: StoreEngine.all)
    func deletionPruningAndTimes(engine: StoreEngine) async throws {
        try await withFreshStore(engine) { fixture in
            let store = fixture.store
            _ = try await store.createCircle(acme, at: stamp(1))
            let inputs = (0..<3).map {
                EventInput(subject: Subject("a.b.c\($0)")!, payload: .object([]), invocationID: nil, runID: nil, cache: .invalidate)
            }
            for (i, input) in inputs.enumerated() {
                _ = try await store.append([AppendRequest(circle: acme, events: [input])], at: stamp(Int64(i + 1) * 1000))
            }
            #expect(try await store.sequence(in: acme, atOrBefore: stamp(500)) == 0)
            #expect(try await store.sequence(in: acme, atOrBefore: stamp(2000)) == 2)
            #expect(try await store.sequence(in: acme, atOrBefore: stamp(9000)) == 3)

            try await store.insertWebhook(hook("wh_2", circle: acme))
            _ = try await store.recordScan(webhook: "wh_2", from: 0, to: 3, sequences: [1, 2, 3], at: stamp(10))
            _ = try await store.recordAttempt(
                webhook: "wh_2", sequence: 1, DeliveryAttempt(status: .succeeded, nextAttemptAt: nil, httpStatus: 200, error: nil, at: stamp(11)))
            #expect(try await store.pruneDeliveries(in: acme, through: 2) == 1, "only finished deliveries are pruned")
            #expect(try await store.deliveries(webhook: "wh_2", status: nil, limit: 10).map(\.sequence) == [3, 2])

            #expect(try await !store.deleteWebhook(circle: CircleID("beta")!, id: "wh_2"), "another circle's id is unknown")
            try await store.insertWebhook(hook("wh_3", circle: acme))
            #expect(try await store.deleteWebhook(circle: acme, id: "wh_3"))
            #expect(try await store.webhook(id: "wh_3") == nil)

            #expect(try await store.deleteCircle(acme))
            #expect(try await store.webhook(id: "wh_2") == nil, "a deleted circle takes its webhooks")
            #expect(try await store.deliveries(webhook: "wh_2", status: nil, limit: 10).isEmpty)
            _ = try await store.createCircle(acme, at: stamp(2))
            #expect(try await store.webhooks(in: acme).isEmpty)
        }
    }
}
