import Foundation
import SluiceCore
import SluiceHub
import SluiceStore
import SluiceTesting
import Testing

/// `Idempotency-Key` on ingest (contract section 3), through a real server.
@Suite(.timeLimit(.minutes(2))) struct IdempotencyTests {
    static let batch = #"{"events":[{"subject":"orders.created"},{"subject":"orders.paid"}]}"#

    func publish(_ server: TestServer, key: String, idempotency: String?, body: String = batch, circle: String = "acme") async throws
        -> TestServer.Reply
    {
        try await server.request(
            .POST, "/api/\(circle)/events", key: key, headers: idempotency.map { [("Idempotency-Key", $0)] } ?? [], body: body)
    }

    func latest(_ server: TestServer, _ circle: String = "acme") async throws -> Int64 {
        try await server.gateway.store.bounds(of: CircleID(circle)!).latest
    }

    @Test func aRetryAnswersTheSameIdsAndStoresNothing() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let first = try await publish(server, key: key, idempotency: "order-7")
        #expect(first.status == 201)
        #expect(first.json?["ids"] == .array([.string("1"), .string("2")]))
        #expect(first.headers["Idempotent-Replayed"].isEmpty)
        let retry = try await publish(server, key: key, idempotency: "order-7")
        #expect(retry.status == 201)
        #expect(retry.body == first.body)
        #expect(retry.headers["Idempotent-Replayed"] == ["true"])
        #expect(try await latest(server) == 2)
        // Another key, or none, is a new batch.
        #expect(try await publish(server, key: key, idempotency: "order-8").json?["ids"] == .array([.string("3"), .string("4")]))
        #expect(try await publish(server, key: key, idempotency: nil).json?["ids"] == .array([.string("5"), .string("6")]))
        // The same key by another credential is that credential's own.
        let other = try await server.makeKey("acme", scopes: ["events:publish"])
        #expect(try await publish(server, key: other, idempotency: "order-7").json?["ids"] == .array([.string("7"), .string("8")]))
        try await server.stop()
    }

    @Test func aRetryAfterARestartAnswersTheSame() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let first = try await publish(server, key: key, idempotency: "restart-1")
        #expect(first.status == 201)
        try await server.stop(removeFiles: false)
        let again = try await TestServer.start(directory: server.directory)
        let retry = try await publish(again, key: key, idempotency: "restart-1")
        #expect(retry.status == 201)
        #expect(retry.json?["ids"] == first.json?["ids"])
        #expect(try await latest(again) == 2)
        try await again.stop()
    }

    @Test func twentyConcurrentRetriesStoreOnce() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let replies = try await withThrowingTaskGroup(of: TestServer.Reply.self) { group in
            for _ in 0..<20 { group.addTask { try await publish(server, key: key, idempotency: "burst") } }
            var replies: [TestServer.Reply] = []
            for try await reply in group { replies.append(reply) }
            return replies
        }
        #expect(replies.map(\.status) == Array(repeating: 201, count: 20))
        #expect(Set(replies.compactMap { $0.json?["ids"]?.jsonText }) == [#"["1","2"]"#])
        #expect(replies.filter { $0.headers["Idempotent-Replayed"].isEmpty }.count == 1)
        #expect(try await latest(server) == 2)
        #expect(server.gateway.ingest.heldIdempotencyScopes == 0)
        try await server.stop()
    }

    @Test func theSameKeyWithAnotherBodyIs422() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        #expect(try await publish(server, key: key, idempotency: "k1").status == 201)
        let other = try await publish(server, key: key, idempotency: "k1", body: #"{"subject":"orders.refunded"}"#)
        #expect(other.status == 422)
        #expect(other.code == "idempotency_mismatch")
        #expect(other.headers["Content-Type"] == ["application/problem+json"])
        #expect(try await latest(server) == 2)
        try await server.stop()
    }

    @Test(arguments: ["", String(repeating: "k", count: 256), "caf\u{E9}", "tab\there"])
    func anInvalidKeyIs400NamingTheHeader(_ value: String) async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let reply = try await publish(server, key: key, idempotency: value)
        #expect(reply.status == 400)
        #expect(reply.json?["field"] == .string("Idempotency-Key"))
        #expect(try await latest(server) == 0)
        #expect(try await publish(server, key: key, idempotency: String(repeating: "k", count: 255)).status == 201)
        try await server.stop()
    }

    @Test func aKeyExpiresAfter24Hours() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        #expect(try await publish(server, key: key, idempotency: "daily").json?["ids"] == .array([.string("1"), .string("2")]))
        #expect(try await publish(server, key: key, idempotency: "other").status == 201)
        server.clock.advance(by: 23 * 3600)
        #expect(try await publish(server, key: key, idempotency: "daily").headers["Idempotent-Replayed"] == ["true"])
        server.clock.advance(by: 3600 + 1)
        let fresh = try await publish(server, key: key, idempotency: "daily")
        #expect(fresh.json?["ids"] == .array([.string("5"), .string("6")]))
        #expect(fresh.headers["Idempotent-Replayed"].isEmpty)
        // The clean-up removes what expired ("other"), not the fresh record.
        let expiry = IdempotencyExpiryService(
            store: server.gateway.store, interval: .seconds(60), batch: 1, clock: ContinuousClock(), now: { server.gateway.ingest.now() },
            logger: server.gateway.logger)
        #expect(try await expiry.expireOnce() == 1)
        #expect(try await publish(server, key: key, idempotency: "daily").headers["Idempotent-Replayed"] == ["true"])
        #expect(try await latest(server) == 6)
        try await server.stop()
    }

    @Test func aLifecycleRefusalIsReplayedButARateLimitIsNot() async throws {
        let server = try await TestServer.start { $0.fairness.eventsPerSecond = 2 }
        let key = try await server.makeCircle("acme")
        server.clock.freeze()
        let progress = #"{"subject":"job.run.progress","invocation_id":"inv"}"#
        let refused = try await publish(server, key: key, idempotency: "early", body: progress)
        #expect(refused.status == 409)
        server.clock.advance(by: 1)
        #expect(try await server.publish("acme", key: key, #"{"subject":"job.run.started","invocation_id":"inv"}"#).status == 201)
        // The same request with the key hears the first answer; without it, it would now be accepted.
        let replayed = try await publish(server, key: key, idempotency: "early", body: progress)
        #expect(replayed.status == 409)
        #expect(replayed.body == refused.body)
        // Over the rate: 429, not recorded, so the retry after Retry-After runs again.
        let limited = try await publish(server, key: key, idempotency: "late")
        #expect(limited.status == 429)
        server.clock.advance(by: 1)
        let retried = try await publish(server, key: key, idempotency: "late")
        #expect(retried.status == 201)
        #expect(retried.headers["Idempotent-Replayed"].isEmpty)
        #expect(try await latest(server) == 3)
        try await server.stop()
    }
}
