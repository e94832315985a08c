import AsyncHTTPClient
import Foundation
import NIOHTTP1
import SluiceCore
import SluiceServer
import SluiceStore
import SluiceTesting
import Testing

/// Circles, API keys, bootstrap and errors against a real server.
@Suite struct AdministrationTests {
    @Test func circlesNeedPlatformAdmin() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        #expect(try await server.request(.GET, "/api/circles").status == 401)
        #expect(try await server.request(.GET, "/api/circles", key: key).status == 403)
        let list = try await server.request(.GET, "/api/circles", key: server.adminKey)
        #expect(list.status == 200)
        #expect(list.json?["circles"]?.arrayValues?.count == 1)
        #expect(try await server.request(.POST, "/api/circles", key: server.adminKey, body: #"{"id":"acme"}"#).code == "circle_exists")
        let reserved = try await server.request(.POST, "/api/circles", key: server.adminKey, body: #"{"id":"events"}"#)
        #expect(reserved.status == 400)
        #expect(reserved.json?["field"]?.stringValue == "id")
        #expect(try await server.request(.DELETE, "/api/circles/acme", key: server.adminKey).status == 204)
        #expect(try await server.request(.GET, "/api/acme/keys", key: key).status == 401)
        #expect(try await server.request(.DELETE, "/api/circles/acme", key: server.adminKey).status == 404)
        try await server.stop()
    }

    @Test func keyLifecycleTakesEffectOnTheNextRequest() async throws {
        let server = try await TestServer.start()
        let manager = try await server.makeCircle("acme")
        let reader = try await server.makeKey("acme", scopes: ["events:read"], using: manager)
        let readerID = String(reader.dropFirst(4).prefix(12))
        #expect(try await server.request(.GET, "/api/acme/keys", key: reader).status == 403)
        let listed = try await server.request(.GET, "/api/acme/keys", key: manager)
        #expect(listed.status == 200)
        #expect(!listed.body.contains(reader), "a listing never holds a key")
        #expect(!listed.body.contains("secret_digest"))

        let rotated = try await server.request(.POST, "/api/acme/keys/\(readerID)/rotate", key: manager)
        #expect(rotated.status == 200)
        let newKey = try #require(rotated.json?["key"]?.stringValue)
        #expect(try await server.publish("acme", key: reader, #"{"subject":"a.b"}"#).status == 401, "the rotated-away key fails at once")
        #expect(try await server.publish("acme", key: newKey, #"{"subject":"a.b"}"#).status == 403, "the new key has only events:read")

        #expect(try await server.request(.DELETE, "/api/acme/keys/\(readerID)", key: manager).status == 204)
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", newKey)])
        #expect(stream.status == 401, "a revoked key fails on the very next request")
        try await server.stop()
    }

    @Test func aKeyNeverGrantsWhatItDoesNotHold() async throws {
        let server = try await TestServer.start()
        _ = try await server.makeCircle("acme")
        let limited = try await server.makeKey("acme", scopes: ["keys:manage", "events:read"], extra: #","subjects":["orders.>"]"#)
        let escalate = try await server.request(.POST, "/api/acme/keys", key: limited, body: #"{"scopes":["events:publish"]}"#)
        #expect(escalate.status == 403)
        let wider = try await server.request(.POST, "/api/acme/keys", key: limited, body: #"{"scopes":["events:read"],"subjects":[">"]}"#)
        #expect(wider.status == 403)
        let platform = try await server.request(.POST, "/api/acme/keys", key: limited, body: #"{"scopes":["platform:admin"]}"#)
        #expect(platform.status == 400)
        let fine = try await server.request(.POST, "/api/acme/keys", key: limited, body: #"{"scopes":["events:read"],"subjects":["orders.eu.>"]}"#)
        #expect(fine.status == 201)
        let unknown = try await server.request(.POST, "/api/acme/keys", key: limited, body: #"{"scopes":["events:everything"]}"#)
        #expect(unknown.status == 400)
        #expect(unknown.json?["field"]?.stringValue == "scopes")
        try await server.stop()
    }

    @Test func otherCirclesAreForbiddenWithoutNamingThem() async throws {
        let server = try await TestServer.start()
        let acme = try await server.makeCircle("acme")
        _ = try await server.makeCircle("globex-secret")
        let reply = try await server.request(.GET, "/api/globex-secret/keys", key: acme)
        #expect(reply.status == 403)
        #expect(!reply.body.contains("globex"))
        let publish = try await server.publish("globex-secret", key: acme, #"{"subject":"a.b"}"#)
        #expect(publish.status == 403)
        #expect(!publish.body.contains("globex"))
        try await server.stop()
    }

    @Test func errorsAreProblemJSONWithStableCodes() async throws {
        let server = try await TestServer.start { $0.limits.maximumRequestBytes = 4096 }
        let key = try await server.makeCircle("acme")
        let missing = try await server.request(.GET, "/no/such/route")
        #expect(missing.status == 404)
        #expect(missing.headers["Content-Type"].first == "application/problem+json")
        #expect(missing.code == "not_found")

        let malformed = try await server.publish("acme", key: key, "{\"subject\":")
        #expect(malformed.status == 400)
        #expect(malformed.code == "invalid_json")
        let wrongType = try await server.publish("acme", key: key, #"{"subject":"a.b","payload":[1]}"#)
        #expect(wrongType.json?["field"]?.stringValue == "payload")
        let missingField = try await server.publish("acme", key: key, #"{"payload":{}}"#)
        #expect(missingField.json?["field"]?.stringValue == "subject")
        let batchField = try await server.publish("acme", key: key, #"{"events":[{"subject":"a.b"},{"subject":7}]}"#)
        #expect(batchField.json?["field"]?.stringValue == "events[1].subject")
        let big = try await server.publish("acme", key: key, #"{"subject":"a.b","payload":{"x":""# + String(repeating: "y", count: 5000) + "\"}}")
        #expect(big.status == 413)
        #expect(big.code == "payload_too_large")
        let noAuth = try await server.request(.GET, "/api/acme/keys")
        #expect(noAuth.status == 401)
        #expect(noAuth.code == "unauthorized")
        for reply in [missing, malformed, wrongType, big, noAuth] {
            #expect(!reply.body.contains("Swift"), "no internal text")
            #expect(reply.json?["title"] != nil && reply.json?["type"] != nil && reply.json?["status"] != nil)
        }
        try await server.stop()
    }

    @Test func credentialsOnlyFromTheirPlaces() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        #expect(try await server.request(.GET, "/api/acme/keys?key=\(key)").status == 401)
        #expect(try await server.request(.GET, "/api/acme/keys?t=\(key)").status == 401)
        #expect(try await server.request(.GET, "/api/acme/keys", headers: [("Authorization", "Bearer \(key)")]).status == 200)
        #expect(try await server.request(.GET, "/api/acme/keys", headers: [("Authorization", "Basic \(key)")]).status == 401)
        #expect(try await server.request(.GET, "/api/acme/keys", headers: [("Cookie", "sluice_session=\(key)")]).status == 401)
        try await server.stop()
    }

    @Test func noSecretReachesTheLogs() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        _ = try await server.publish("acme", key: key, #"{"subject":"a.b"}"#)
        _ = try await server.request(.GET, "/api/acme/keys", key: key + "x")
        let minted = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        let token = try #require(minted.json?["token"]?.stringValue)
        let stream = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)")
        #expect(stream.status == 200)
        stream.close()
        _ = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)x")
        let secretPart = String(key.suffix(40))
        let logs = server.logs.text
        #expect(!logs.isEmpty)
        #expect(!logs.contains(secretPart))
        #expect(!logs.contains(server.adminKey.suffix(40)))
        #expect(!logs.contains(token))
        #expect(!logs.contains(String(token.split(separator: ".")[2])))
        try await server.stop()
    }

    @Test func adminKeyFromConfigurationIsThePlatformKey() async throws {
        let server = try await TestServer.start()
        #expect(try await server.request(.GET, "/api/circles", key: server.adminKey).status == 200)
        let keys = try await server.gateway.store.keys(in: nil)
        #expect(keys.count == 1)
        #expect(keys.first?.secretDigest != String(server.adminKey.suffix(40)), "only a digest is stored")
        try await server.stop()
    }

    @Test func healthReadinessAndMetrics() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        _ = try await server.publish("acme", key: key, #"{"subject":"a.b"}"#)
        #expect(try await server.request(.GET, "/healthz").status == 200)
        #expect(try await server.request(.GET, "/readyz").status == 200)
        let metrics = try await server.request(.GET, "/metrics")
        #expect(metrics.body.contains("sluice_events_ingested_total 1"))
        #expect(metrics.body.contains("sluice_streams_open 0"))
        try await server.stop()
    }
}

/// The key ring against refreshes from older database snapshots.
@Suite struct KeyRingTests {
    @Test func aKeyWorksOnlyInTheCircleIncarnationItWasMadeIn() throws {
        var generator = SystemRandomNumberGenerator()
        let token = APIKeyToken.generate(using: &generator)
        let circle = try #require(CircleID("acme"))
        let circles = CircleDirectory()
        let ring = KeyRing(circles: circles)
        ring.load([
            APIKeyRecord(
                id: token.id, circle: circle, name: nil, scopes: [.eventsRead], subjects: .all, face: "member",
                secretDigest: token.secretDigest, createdAt: Timestamp(milliseconds: 0), expiresAt: nil, incarnation: "first")
        ])
        let now = Timestamp(milliseconds: 1)
        #expect(ring.authenticate(token.text, now: now) == nil, "no live incarnation")
        circles.set(circle, incarnation: "first")
        #expect(ring.authenticate(token.text, now: now) != nil)
        circles.set(circle, incarnation: "second")
        #expect(ring.authenticate(token.text, now: now) == nil, "a circle re-created with the same id shares nothing")
        #expect(ring.removeAll(circle: circle, incarnation: "first") == [token.id])
        #expect(ring.record(id: token.id) == nil)
    }
}
