import Foundation
import SluiceCore
import SluiceStore
import SluiceTesting
import Testing

/// The life of a subscription: pause and resume, delete, rotate, replay,
/// who may manage it, which targets are refused, and where secrets never go.
@Suite(.serialized) struct WebhookSubscriptionTests {
    @Test func disableAndReenableResumesWithWhatWasCommitted() async throws {
        let fixture = try await WebhookFixture.start()
        let (hook, _) = try await fixture.create("/pause")
        let first = try await fixture.publish("orders.p1.completed")
        _ = await fixture.receiver.wait(for: 1, at: "/pause")
        let off = try await fixture.server.request(.PATCH, "/api/acme/webhooks/\(hook)", key: fixture.key, body: #"{"enabled":false}"#)
        #expect(off.json?["enabled"] == .bool(false))
        #expect(off.json?["disabled_reason"] == .string("manual"))
        let second = try await fixture.publish("orders.p2.completed")
        let third = try await fixture.publish("orders.p3.completed")
        try await Task.sleep(for: .milliseconds(400))
        #expect(fixture.receiver.requests("/pause").map(\.webhookID) == [first])
        let on = try await fixture.server.request(.PATCH, "/api/acme/webhooks/\(hook)", key: fixture.key, body: #"{"enabled":true}"#)
        #expect(on.json?["disabled_reason"] == .null)
        let all = await fixture.receiver.wait(for: 3, at: "/pause")
        #expect(all.first?.webhookID == first)
        #expect(Set(all.compactMap(\.webhookID)) == [first, second, third])
        try await fixture.stop()
    }

    @Test func deleteStops() async throws {
        let fixture = try await WebhookFixture.start()
        let (hook, _) = try await fixture.create("/deleted")
        try await fixture.publish("orders.d1.completed")
        _ = await fixture.receiver.wait(for: 1, at: "/deleted")
        #expect(try await fixture.server.request(.DELETE, "/api/acme/webhooks/\(hook)", key: fixture.key).status == 204)
        #expect(try await fixture.server.request(.GET, "/api/acme/webhooks/\(hook)", key: fixture.key).status == 404)
        try await fixture.publish("orders.d2.completed")
        try await Task.sleep(for: .milliseconds(500))
        #expect(fixture.receiver.requests("/deleted").count == 1)
        try await fixture.stop()
    }

    @Test func rotationSignsWithBothSecretsForADay() async throws {
        let fixture = try await WebhookFixture.start()
        let (hook, old) = try await fixture.create("/rotated")
        let rotated = try await fixture.server.request(.POST, "/api/acme/webhooks/\(hook)/rotate", key: fixture.key)
        let new = try #require(rotated.json?["secret"]?.stringValue)
        #expect(new != old && new.hasPrefix("whsec_"))
        try await fixture.publish("orders.r1.completed")
        let during = try #require(await fixture.receiver.wait(for: 1, at: "/rotated").first)
        #expect(during.signature?.split(separator: " ").count == 2)
        #expect(try ReferenceVerifier.verify([.init(request: during, secrets: [old, new])]).contains("verified 1"))
        fixture.server.clock.advance(by: 86_400 + 1)
        try await fixture.publish("orders.r2.completed")
        let after = try #require(await fixture.receiver.wait(for: 2, at: "/rotated").last)
        #expect(after.signature?.split(separator: " ").count == 1, "after 24 h only the new secret signs")
        #expect(!fixture.server.logs.text.contains(old) && !fixture.server.logs.text.contains(new))
        try await fixture.stop()
    }

    @Test func replayByIDAndByTime() async throws {
        let fixture = try await WebhookFixture.start()
        let (hook, _) = try await fixture.create("/replay")
        let ids = [
            try await fixture.publish("orders.a.completed"), try await fixture.publish("orders.b.completed"),
            try await fixture.publish("orders.c.completed"),
        ]
        _ = await fixture.receiver.wait(for: 3, at: "/replay")
        _ = try await fixture.waitForDeliveries(hook) { $0.allSatisfy { $0["status"]?.stringValue == "succeeded" } && $0.count == 3 }
        let replay = try await fixture.server.request(
            .POST, "/api/acme/webhooks/\(hook)/replay", key: fixture.key, body: #"{"after_id":"\#(ids[0])"}"#)
        #expect(replay.status == 202)
        let again = await fixture.receiver.wait(for: 5, at: "/replay")
        #expect(Array(again.compactMap(\.webhookID).dropFirst(3)).sorted() == [ids[1], ids[2]])
        _ = try await fixture.waitForDeliveries(hook) { $0.allSatisfy { $0["status"]?.stringValue == "succeeded" } }
        let since = try await fixture.server.request(
            .POST, "/api/acme/webhooks/\(hook)/replay", key: fixture.key, body: #"{"since":"2000-01-01T00:00:00Z"}"#)
        #expect(since.status == 202)
        #expect(await fixture.receiver.wait(for: 8, at: "/replay").count == 8)
        let beyond = try await fixture.server.request(
            .POST, "/api/acme/webhooks/\(hook)/replay", key: fixture.key, body: #"{"after_id":"999"}"#)
        #expect(beyond.status == 400)
        let both = try await fixture.server.request(
            .POST, "/api/acme/webhooks/\(hook)/replay", key: fixture.key, body: #"{"after_id":"1","since":"2000-01-01T00:00:00Z"}"#)
        #expect(both.status == 400)
        try await fixture.stop()
    }

    @Test func circleRulesAndLeastPrivilege() async throws {
        let fixture = try await WebhookFixture.start()
        let server = fixture.server
        let (hook, _) = try await fixture.create("/rules")
        let beta = try await server.makeCircle("beta", scopes: WebhookFixture.scopes)
        #expect(try await server.request(.GET, "/api/acme/webhooks", key: beta).status == 403, "another circle's key")
        #expect(try await server.request(.GET, "/api/beta/webhooks/\(hook)", key: beta).status == 404, "an id of another circle")
        #expect(try await server.request(.GET, "/api/acme/webhooks").status == 401)
        let reader = try await server.makeKey("acme", scopes: ["events:read"])
        #expect(try await server.request(.GET, "/api/acme/webhooks", key: reader).status == 403)
        let narrow = try await server.makeKey("acme", scopes: ["webhooks:manage"], extra: #","subjects":["orders.>"]"#)
        let url = "\(fixture.receiver.baseURL)/x"
        #expect(try await server.request(.POST, "/api/acme/webhooks", key: narrow, body: #"{"url":"\#(url)"}"#).status == 403)
        #expect(
            try await server.request(.POST, "/api/acme/webhooks", key: narrow, body: #"{"url":"\#(url)","subjects":["orders.eu.>"]}"#)
                .status == 201)
        #expect(
            try await server.request(.PATCH, "/api/acme/webhooks/\(hook)", key: narrow, body: #"{"url":"\#(url)"}"#).status == 403,
            "a narrower key cannot redirect a broader webhook to itself")
        let widget = try await server.request(.POST, "/api/acme/webhooks", key: fixture.key, body: #"{"url":"\#(url)","face":"public-widget"}"#)
        #expect(widget.status == 403, "a member key cannot create a webhook reading through another face")
        let undefined = try await server.request(.POST, "/api/acme/webhooks", key: server.adminKey, body: #"{"url":"\#(url)","face":"nope"}"#)
        #expect(undefined.status == 400 && undefined.json?["field"] == .string("face"))
        let listing = try await server.request(.GET, "/api/acme/webhooks", key: fixture.key)
        #expect(listing.json?["webhooks"]?.arrayValues?.count == 2)
        #expect(!listing.body.contains("whsec_"), "never a secret in a listing")
        try await fixture.stop()
    }

    @Test func privateTargetsRefusedWithoutTheSetting() async throws {
        let fixture = try await WebhookFixture.start(allowPrivate: false)
        let server = fixture.server
        for url in [fixture.receiver.baseURL + "/p", "http://localhost:1/p", "http://[::1]:1/p", "http://10.0.0.1/p", "ftp://example.com/"] {
            let reply = try await server.request(.POST, "/api/acme/webhooks", key: fixture.key, body: #"{"url":"\#(url)"}"#)
            #expect(reply.status == 400, "\(url)")
            #expect(reply.json?["field"] == .string("url"))
        }
        // A subscription that reached the store anyway is checked again at delivery.
        let circle = CircleID("acme")!
        try await server.gateway.store.insertWebhook(
            WebhookRecord(
                id: "wh_private", circle: circle, url: fixture.receiver.baseURL + "/p", subjects: .all, face: "member", description: nil,
                secret: "whsec_" + Data(repeating: 7, count: 32).base64EncodedString(),
                cursor: try await server.gateway.store.bounds(of: circle).latest,
                createdAt: Timestamp(milliseconds: 0)))
        try await fixture.publish("orders.x.completed")
        let attempted = try await fixture.waitForDeliveries("wh_private") { $0.first?["attempts"]?.intValue == 1 }
        #expect(attempted.first?["last_error"]?.stringValue?.hasPrefix("refused") == true)
        #expect(fixture.receiver.requests("/p").isEmpty)
        try await fixture.stop()
    }

    @Test func secretsNeverInLogsListingsOrErrors() async throws {
        let fixture = try await WebhookFixture.start()
        fixture.receiver.script("/logged", [.init(status: 500)])
        let (hook, secret) = try await fixture.create("/logged", extra: #","description":"billing""#)
        try await fixture.publish("orders.l1.completed")
        _ = try await fixture.waitForDeliveries(hook) { $0.first?["attempts"]?.intValue == 1 }
        fixture.server.clock.advance(by: 6)
        _ = await fixture.receiver.wait(for: 2, at: "/logged")
        let got = try await fixture.server.request(.GET, "/api/acme/webhooks/\(hook)", key: fixture.key)
        #expect(got.json?["description"] == .string("billing"))
        #expect(got.json?["secret"] == nil)
        let bad = try await fixture.server.request(.PATCH, "/api/acme/webhooks/\(hook)", key: fixture.key, body: #"{"secret":"\#(secret)"}"#)
        #expect(bad.status == 400 && !bad.body.contains(secret))
        let key = String(secret.dropFirst("whsec_".count))
        for text in [fixture.server.logs.text, got.body, try await fixture.deliveries(hook).description] {
            #expect(!text.contains(key))
        }
        try await fixture.stop()
    }
}
