import Foundation
import SluiceCore
import SluiceCrypto
import SluiceTesting
import Testing

/// Delivery through a real server to a real receiver on loopback: bodies,
/// signatures, filters, faces, retries and what ends a delivery.
@Suite(.serialized) struct WebhookDeliveryTests {
    @Test func bodyIsTheStreamsDataAndSignatureVerifies() async throws {
        let fixture = try await WebhookFixture.start()
        let (hook, secret) = try await fixture.create("/hook")
        let stream = try await SSEClient(
            url: "\(fixture.server.baseURL)/api/events/acme", headers: [("X-Api-Key", fixture.key)])
        _ = await stream.next()
        let id = try await fixture.publish(
            "orders.o1.completed", payload: #"{"output":{"total":3,"note":"caf\u00e9 \"x\""},"list":[1,2.50,{"a":null}]}"#)
        let streamed = try #require(await stream.next())
        stream.close()
        let request = try #require(await fixture.receiver.wait(for: 1, at: "/hook").first)
        #expect(request.bodyText == streamed.data, "byte for byte the member-face data line")
        #expect(request.webhookID == id)
        #expect(request.headers["content-type"] == "application/json")
        let timestamp = try #require(request.timestamp.flatMap { Int64($0) })
        #expect(abs(timestamp - Int64(Date().timeIntervalSince1970)) < 60)
        let parsed = try #require(WebhookSecret(text: secret))
        #expect(
            WebhookSignature.verify(header: request.signature ?? "", id: id, timestamp: timestamp, body: request.body, secret: parsed))
        #expect(try ReferenceVerifier.verify([.init(request: request, secrets: [secret])]).contains("verified 1"))
        let done = try await fixture.waitForDeliveries(hook) { $0.first?["status"]?.stringValue == "succeeded" }
        #expect(done.first?["attempts"]?.intValue == 1)
        #expect(done.first?["last_status"]?.intValue == 204)
        try await fixture.stop()
    }

    @Test func subjectFilterAndFaceRedaction() async throws {
        let fixture = try await WebhookFixture.start()
        _ = try await fixture.create("/orders", extra: #","subjects":["orders.>"]"#)
        // The public-widget face needs a creator allowed to read it: the platform key.
        _ = try await fixture.create("/widget", extra: #","face":"public-widget""#, key: fixture.server.adminKey)
        try await fixture.publish("other.x.completed")
        let order = try await fixture.publish("orders.o2.completed")
        let board = try await fixture.publish(
            "sales-board.b1.completed", payload: #"{"output":{"total":7,"secret":"s3"},"customer":"c"}"#)
        let orders = await fixture.receiver.wait(for: 1, at: "/orders")
        let widget = await fixture.receiver.wait(for: 1, at: "/widget")
        try await Task.sleep(for: .milliseconds(300))
        #expect(fixture.receiver.requests("/orders").map(\.webhookID) == [order])
        #expect(orders.count == 1)
        #expect(fixture.receiver.requests("/widget").map(\.webhookID) == [board], "the face's subjects filter too")
        let body = try JSONValue.parse(try #require(widget.first).bodyText)
        #expect(body["redacted"] == .bool(true))
        #expect(body["cache"] == .string("invalidate"))
        #expect(body["payload"] == .object([("output", .object([("total", .number("7"))]))]))
        #expect(body["circle"] == nil)
        try await fixture.stop()
    }

    @Test func retriesKeepTheIDThenSucceed() async throws {
        let fixture = try await WebhookFixture.start(retry: [5, 300])
        fixture.receiver.script("/flaky", [.init(status: 500), .init(status: 302, location: "/elsewhere")])
        let (hook, _) = try await fixture.create("/flaky")
        let id = try await fixture.publish("orders.o3.completed")
        _ = await fixture.receiver.wait(for: 1, at: "/flaky")
        var pending = try await fixture.waitForDeliveries(hook) { $0.first?["attempts"]?.intValue == 1 }
        #expect(pending.first?["status"]?.stringValue == "pending")
        #expect(pending.first?["last_status"]?.intValue == 500)
        try await Task.sleep(for: .milliseconds(300))
        #expect(fixture.receiver.requests("/flaky").count == 1, "nothing before the first delay")
        fixture.server.clock.advance(by: 5.6)
        _ = await fixture.receiver.wait(for: 2, at: "/flaky")
        pending = try await fixture.waitForDeliveries(hook) { $0.first?["attempts"]?.intValue == 2 }
        #expect(pending.first?["last_status"]?.intValue == 302, "a redirect is a failure")
        #expect(fixture.receiver.requests("/elsewhere").isEmpty, "and is not followed")
        fixture.server.clock.advance(by: 331)
        let all = await fixture.receiver.wait(for: 3, at: "/flaky")
        #expect(all.count == 3)
        #expect(Set(all.map(\.webhookID)) == [id], "the same webhook-id on every attempt")
        let done = try await fixture.waitForDeliveries(hook) { $0.first?["status"]?.stringValue == "succeeded" }
        #expect(done.first?["attempts"]?.intValue == 3)
        try await fixture.stop()
    }

    @Test func lastRetryLeavesFailedAndRetryAfterIsHonoured() async throws {
        let fixture = try await WebhookFixture.start(retry: [1])
        fixture.receiver.script("/down", [.init(status: 503, retryAfter: "120")], then: .init(status: 500))
        let (hook, _) = try await fixture.create("/down")
        try await fixture.publish("orders.o4.completed")
        let first = try await fixture.waitForDeliveries(hook) { $0.first?["attempts"]?.intValue == 1 }
        let next = try #require(first.first?["next_attempt_at"]?.stringValue.flatMap(WebhookJSONTime.parse))
        let now = fixture.server.clock.now().timeIntervalSince1970
        #expect(next.timeIntervalSince1970 - now > 100, "Retry-After 120 is longer than the 1 s delay")
        fixture.server.clock.advance(by: 121)
        let failed = try await fixture.waitForDeliveries(hook) { $0.first?["status"]?.stringValue == "failed" }
        #expect(failed.first?["attempts"]?.intValue == 2)
        #expect(failed.first?["next_attempt_at"] == .null)
        #expect(try await fixture.deliveries(hook, status: "failed").count == 1)
        #expect(try await fixture.deliveries(hook, status: "pending").isEmpty)
        #expect(try await fixture.webhook(hook)?["failed_deliveries"]?.intValue == 1)
        try await fixture.stop()
    }

    @Test func goneDisablesAtOnce() async throws {
        let fixture = try await WebhookFixture.start()
        fixture.receiver.script("/gone", [], then: .init(status: 410))
        let (hook, _) = try await fixture.create("/gone")
        try await fixture.publish("orders.o5.completed")
        let failed = try await fixture.waitForDeliveries(hook) { $0.first?["status"]?.stringValue == "failed" }
        #expect(failed.first?["last_status"]?.intValue == 410)
        let state = try await fixture.webhook(hook)
        #expect(state?["enabled"] == .bool(false))
        #expect(state?["disabled_reason"] == .string("gone"))
        try await fixture.publish("orders.o6.completed")
        try await Task.sleep(for: .milliseconds(400))
        #expect(fixture.receiver.requests("/gone").count == 1)
        try await fixture.stop()
    }

    @Test func fiveDaysOfFailuresDisable() async throws {
        let fixture = try await WebhookFixture.start(retry: Array(repeating: 1, count: 10))
        fixture.receiver.script("/failing", [], then: .init(status: 500))
        let (hook, _) = try await fixture.create("/failing")
        try await fixture.publish("orders.o7.completed")
        _ = try await fixture.waitForDeliveries(hook) { $0.first?["attempts"]?.intValue == 1 }
        #expect(try await fixture.webhook(hook)?["enabled"] == .bool(true))
        fixture.server.clock.advance(by: 5 * 86_400 + 10)
        _ = try await fixture.waitForDeliveries(hook) { $0.first?["attempts"]?.intValue == 2 }
        let deadline = ContinuousClock.now + .seconds(5)
        while try await fixture.webhook(hook)?["enabled"] == .bool(true), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(30))
        }
        #expect(try await fixture.webhook(hook)?["disabled_reason"] == .string("failing"))
        try await fixture.stop()
    }

    @Test func aSlowEndpointDoesNotDelayAnother() async throws {
        let hold = Duration.seconds(8)
        let fixture = try await WebhookFixture.start(timeout: 20)
        fixture.receiver.script("/slow", [], then: .init(status: 204, delay: hold))
        _ = try await fixture.create("/slow")
        _ = try await fixture.create("/fast")
        for i in 0..<6 { try await fixture.publish("orders.s\(i).completed") }
        let published = ContinuousClock.now
        let fast = await fixture.receiver.wait(for: 6, at: "/fast", timeout: .seconds(7))
        let slow = fixture.receiver.requests("/slow")
        let firstSlow = try #require(slow.first)
        #expect(fast.count == 6)
        #expect(
            try #require(fast.last).arrivedAt < firstSlow.arrivedAt + hold,
            "the fast endpoint got everything while the slow one had not answered once")
        #expect(published < firstSlow.arrivedAt + hold, "ingest never waited for the slow endpoint")
        #expect(slow.count <= 4, "at most four attempts in flight for one subscription")
        try await fixture.stop()
    }
}

/// Reads the RFC 3339 times the API answers with.
enum WebhookJSONTime {
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
