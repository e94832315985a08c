import Foundation
import SluiceClient
import SluiceCore
import SluiceTesting
import Testing

/// `SluiceClient` against real servers on loopback.
@Suite struct ClientTests {
    static let quick = RetryPolicy(maximumAttempts: 60, initialDelay: .milliseconds(50), maximumDelay: .milliseconds(100))

    @Test func publishesOneOrABatchAndAdministers() async throws {
        let server = try await TestServer.start()
        let admin = server.client()
        let circle = try await admin.createCircle("acme", name: "Acme Inc.")
        #expect(circle.name == "Acme Inc.")
        #expect(try await admin.circle("acme") == circle)
        #expect(try await admin.circles().map(\.id) == ["acme"])
        let created = try await admin.createKey(in: "acme", scopes: ["events:read", "events:publish", "share:manage"], name: "ci")
        let key = try #require(created.key)
        #expect(key.hasPrefix("slk_\(created.id)_"))
        #expect(try await admin.keys(in: "acme").map(\.id) == [created.id])
        #expect(try await admin.keys(in: "acme").first?.key == nil, "a listing never holds the key")

        let client = server.client(key: key)
        let id = try await client.publish(NewEvent(subject: "orders.created", payload: .object([("n", .number("1"))])), to: "acme")
        #expect(id == "1")
        let ids = try await client.publish(
            [NewEvent(subject: "a.b.started", invocationID: "i1"), NewEvent(subject: "a.b.completed", invocationID: "i1", cache: .apply)],
            to: "acme")
        #expect(ids == ["2", "3"])

        let rotated = try await admin.rotateKey(created.id, in: "acme")
        let rotatedKey = try #require(rotated.key)
        #expect(rotatedKey != key)
        let error = await #expect(throws: SluiceClientError.self) { try await client.publish(NewEvent(subject: "a.b"), to: "acme") }
        #expect(error?.code == .unauthorized)
        #expect(error?.status == 401)
        let exists = await #expect(throws: SluiceClientError.self) { try await admin.createCircle("acme") }
        #expect(exists?.code == .circleExists)
        let invalid = await #expect(throws: SluiceClientError.self) {
            try await SluiceClient(baseURL: server.baseURL, key: rotatedKey).publish(NewEvent(subject: "a..b"), to: "acme")
        }
        #expect(invalid?.code == .invalidRequest)
        #expect(invalid?.field == "subject")
        try await admin.revokeKey(created.id, in: "acme")
        try await admin.deleteCircle("acme")
        #expect(try await admin.circles().isEmpty)
        try await server.stop()
    }

    @Test func publishRetriesUntilTheGatewayIsBack() async throws {
        let port = try freeLoopbackPort()
        let first = try await TestServer.start { $0.port = port }
        let key = try await first.makeCircle("acme")
        try await first.stop(removeFiles: false)
        let client = SluiceClient(baseURL: first.baseURL, key: key, retry: Self.quick)
        async let published = client.publish(NewEvent(subject: "orders.created"), to: "acme")
        try await Task.sleep(for: .milliseconds(300))
        let second = try await TestServer.start(directory: first.directory) { $0.port = port }
        #expect(try await published == "1", "the publish went through once the gateway was back")
        var none = SluiceClient(baseURL: "http://127.0.0.1:\(try freeLoopbackPort())", key: key, retry: .never)
        none.requestTimeout = .milliseconds(500)
        let error = await #expect(throws: SluiceClientError.self) { try await none.publish(NewEvent(subject: "a.b"), to: "acme") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.status == nil)
        try await second.stop()
    }

    @Test func eventsResumeAcrossARestartWithoutGapOrDuplicate() async throws {
        let port = try freeLoopbackPort()
        let first = try await TestServer.start { $0.port = port }
        let key = try await first.makeCircle("acme")
        let client = SluiceClient(baseURL: first.baseURL, key: key, retry: Self.quick)
        try await client.publish([NewEvent(subject: "orders.one"), NewEvent(subject: "skip.me"), NewEvent(subject: "orders.two")], to: "acme")
        var iterator = client.events(circle: "acme", subjects: ["orders.>"], after: "0").makeAsyncIterator()
        guard case .connected(let info)? = try await iterator.next() else { Issue.record("no connected"); return }
        #expect(info["circle"]?.stringValue == "acme")
        var seen: [String] = []
        for _ in 0..<2 {
            if case .event(let envelope)? = try await iterator.next() { seen.append(envelope.subject) }
        }
        #expect(seen == ["orders.one", "orders.two"])
        try await first.stop(removeFiles: false)
        let second = try await TestServer.start(directory: first.directory) { $0.port = port }
        try await client.publish([NewEvent(subject: "orders.three")], to: "acme")
        var after: [String] = []
        while after.count < 1, let message = try await iterator.next() {
            if case .event(let envelope) = message { after.append("\(envelope.id) \(envelope.subject)") }
        }
        #expect(after == ["4 orders.three"], "resumed after event 3 with Last-Event-ID")
        #expect(iterator.lastEventID == "4")
        try await second.stop()
    }

    @Test func aResumePointOlderThanRetentionSurfacesReset() async throws {
        let server = try await TestServer.start {
            $0.retentionMaxEvents = 2
            $0.retentionIntervalSeconds = 0.05
        }
        let key = try await server.makeCircle("acme")
        let client = server.client(key: key)
        try await client.publish((1...5).map { NewEvent(subject: "orders.n\($0)") }, to: "acme")
        let deadline = ContinuousClock.now + .seconds(5)
        while try await server.gateway.store.bounds(of: CircleID("acme")!).trimmedThrough < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        var iterator = client.events(circle: "acme", after: "1").makeAsyncIterator()
        _ = try await iterator.next()
        #expect(try await iterator.next() == .reset(oldestID: "4"))
        guard case .event(let envelope)? = try await iterator.next() else { Issue.record("no event after reset"); return }
        #expect(envelope.id == "4")
        try await server.stop()
    }

    @Test func runStateAndWaitForRun() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let client = server.client(key: key)
        let missing = await #expect(throws: SluiceClientError.self) { try await client.run("r1", in: "acme") }
        #expect(missing?.code == .notFound)

        try await client.publish(NewEvent(subject: "report.build.started", invocationID: "r1"), to: "acme")
        #expect(try await client.run("r1", in: "acme").status == .running)
        let timedOut = await #expect(throws: SluiceClientError.self) { try await client.waitForRun("r1", in: "acme", timeout: .milliseconds(200)) }
        #expect(timedOut?.code == .timeout)

        async let waited = client.waitForRun("r1", in: "acme", timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(200))
        try await client.publish(
            NewEvent(
                subject: "report.build.completed", payload: .object([("output", .object([("total", .number("3"))]))]), invocationID: "r1",
                cache: .apply),
            to: "acme")
        let terminal = try await waited
        #expect(terminal.kind == "completed")
        #expect(terminal.mayApply)
        #expect(terminal.payload["output"]?["total"]?.intValue == 3)

        let start = ContinuousClock.now
        #expect(try await client.waitForRun("r1", in: "acme", timeout: .seconds(10)) == terminal, "a finished run resolves at once")
        #expect(ContinuousClock.now - start < .seconds(2))
        let state = try await client.run("r1", in: "acme")
        #expect(state.status == .completed)
        #expect(state.terminal == terminal)
        #expect(state.invocations.map(\.invocationID) == ["r1"])

        var kinds: [String] = []
        for try await envelope in client.runEvents("r1", in: "acme").envelopes { kinds.append(envelope.kind) }
        #expect(kinds == ["started", "completed"], "the run stream ends after its terminal event")
        try await server.stop()
    }

    @Test func publicStreamsByShareToken() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let client = server.client(key: key)
        let minted = try await client.mintShareToken(in: "acme", element: "sales-board", purpose: "public-widget", origins: ["https://shop.example"])
        let token = try #require(minted.token)
        #expect(minted.embedURL?.contains("/embed/acme?t=") == true)
        #expect(try await client.shareTokens(in: "acme").map(\.jti) == [minted.jti])
        try await client.publish(
            NewEvent(
                subject: "sales-board.x.completed", payload: .object([("output", .object([("total", .number("7"))])), ("secret", .string("s"))])),
            to: "acme")
        var iterator = SluiceClient(baseURL: server.baseURL).publicEvents(circle: "acme", token: token, after: "0").makeAsyncIterator()
        _ = try await iterator.next()
        guard case .event(let envelope)? = try await iterator.next() else { Issue.record("no public event"); return }
        #expect(envelope.payload["output"]?["total"]?.intValue == 7)
        #expect(envelope.payload["secret"] == nil)
        #expect(envelope.redacted)
        #expect(!envelope.mayApply)
        try await client.revokeShareToken(minted.jti, in: "acme")
        let revoked = await #expect(throws: SluiceClientError.self) {
            var again = SluiceClient(baseURL: server.baseURL).publicEvents(circle: "acme", token: token).makeAsyncIterator()
            _ = try await again.next()
        }
        #expect(revoked?.code == .unauthorized)
        try await server.stop()
    }
}
