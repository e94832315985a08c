import Foundation
import SluiceCore
import SluiceTesting
import Testing

/// Least privilege inside a circle (contract section 2) and values that can
/// never work, against a real server: each case reproduces a reported one.
@Suite struct PrivilegeTests {
    func keyID(_ key: String) -> String { String(key.dropFirst(4).prefix(12)) }

    @Test func aShareManagerCannotMintOutsideItsSubjectsOrFace() async throws {
        let server = try await TestServer.start()
        _ = try await server.makeCircle("acme")
        let manager = try await server.makeKey("acme", scopes: ["share:manage", "events:read"], extra: #","subjects":["sales-board.>"]"#)
        let payroll = try await server.request(.POST, "/api/acme/_share/mint", key: manager, body: #"{"element":"payroll","purpose":"member"}"#)
        #expect(payroll.status == 403, "\(payroll.body)")
        #expect(payroll.code == "forbidden")
        let own = try await server.request(
            .POST, "/api/acme/_share/mint", key: manager, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        #expect(own.status == 201)
        let widget = try await server.makeKey("acme", scopes: ["share:manage", "events:read"], extra: #","face":"public-widget""#)
        let wider = try await server.request(.POST, "/api/acme/_share/mint", key: widget, body: #"{"element":"sales-board","purpose":"member"}"#)
        #expect(wider.status == 403, "a token's face stays within its minter's")
        let blind = try await server.makeKey("acme", scopes: ["share:manage"])
        let reading = try await server.request(
            .POST, "/api/acme/_share/mint", key: blind, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        #expect(reading.status == 403, "a token reads events, so its minter must hold events:read")
        try await server.stop()
    }

    @Test func aKeyCannotCreateAKeyWithAWiderFace() async throws {
        let server = try await TestServer.start()
        _ = try await server.makeCircle("acme")
        let widget = try await server.makeKey("acme", scopes: ["keys:manage", "events:read"], extra: #","face":"public-widget""#)
        let member = try await server.request(.POST, "/api/acme/keys", key: widget, body: #"{"scopes":["events:read"],"face":"member"}"#)
        #expect(member.status == 403)
        let same = try await server.request(.POST, "/api/acme/keys", key: widget, body: #"{"scopes":["events:read"],"face":"public-widget"}"#)
        #expect(same.status == 201)
        try await server.stop()
    }

    @Test func revokingAndRotatingNeedEverythingTheTargetHolds() async throws {
        let server = try await TestServer.start()
        _ = try await server.makeCircle("acme")
        let manager = try await server.makeKey("acme", scopes: ["keys:manage"])
        let publisher = try await server.makeKey("acme", scopes: ["events:publish"])
        let revoke = try await server.request(.DELETE, "/api/acme/keys/\(keyID(publisher))", key: manager)
        #expect(revoke.status == 403)
        #expect(try await server.request(.POST, "/api/acme/keys/\(keyID(publisher))/rotate", key: manager).status == 403)
        #expect(try await server.publish("acme", key: publisher, #"{"subject":"a.b"}"#).status == 201, "the target still works")
        let narrow = try await server.makeKey("acme", scopes: ["keys:manage", "events:publish"], extra: #","subjects":["orders.>"]"#)
        #expect(try await server.request(.DELETE, "/api/acme/keys/\(keyID(publisher))", key: narrow).status == 403, "the target sees more subjects")
        let peer = try await server.makeKey("acme", scopes: ["keys:manage"])
        #expect(try await server.request(.DELETE, "/api/acme/keys/\(keyID(peer))", key: manager).status == 204)
        try await server.stop()
    }

    @Test func aKeyCannotOutliveItsCreator() async throws {
        let server = try await TestServer.start()
        _ = try await server.makeCircle("acme")
        let shortLived = try await server.makeKey("acme", scopes: ["keys:manage", "events:read"], extra: #","expires_in_seconds":60"#)
        let forever = try await server.request(.POST, "/api/acme/keys", key: shortLived, body: #"{"scopes":["events:read"]}"#)
        #expect(forever.status == 403, "\(forever.body)")
        let longer = try await server.request(
            .POST, "/api/acme/keys", key: shortLived, body: #"{"scopes":["events:read"],"expires_in_seconds":120}"#)
        #expect(longer.status == 403)
        let within = try await server.request(
            .POST, "/api/acme/keys", key: shortLived, body: #"{"scopes":["events:read"],"expires_in_seconds":30}"#)
        #expect(within.status == 201)
        let minter = try await server.makeKey("acme", scopes: ["share:manage", "events:read"], extra: #","expires_in_seconds":60"#)
        let token = try await server.request(
            .POST, "/api/acme/_share/mint", key: minter,
            body: #"{"element":"sales-board","purpose":"public-widget","ttl_seconds":3600}"#)
        #expect(token.status == 403, "a share token cannot outlive its minter either")
        try await server.stop()
    }

    @Test(arguments: [
        (#"{"scopes":["events:read"],"face":"no-such-face"}"#, "face"),
        (#"{"scopes":["events:read"],"name":"a\u0000b"}"#, "name"),
        (#"{"scopes":["events:read"],"name":"line\nbreak"}"#, "name"),
        (#"{"scopes":["events:read"],"name":"del\u007f"}"#, "name"),
    ])
    func keyValuesThatCanNeverWork(body: String, field: String) async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let reply = try await server.request(.POST, "/api/acme/keys", key: key, body: body)
        #expect(reply.status == 400, "\(reply.body)")
        #expect(reply.json?["field"]?.stringValue == field)
        try await server.stop()
    }

    @Test(arguments: ["https://*.example", "https://example.com:99999", "https://example.com/path", "https://user@example.com"])
    func shareOriginsThatCanNeverMatch(origin: String) async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let reply = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget","origins":["\#(origin)"]}"#)
        #expect(reply.status == 400)
        #expect(reply.json?["field"]?.stringValue == "origins")
        try await server.stop()
    }

    @Test func shareOriginsAreNormalizedAndThenMatchTheBrowsersOrigin() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let reply = try await server.request(
            .POST, "/api/acme/_share/mint", key: key,
            body: #"{"element":"sales-board","purpose":"public-widget","origins":["https://A.EXAMPLE:443"]}"#)
        #expect(reply.status == 201)
        let listed = try await server.request(.GET, "/api/acme/_share", key: key)
        #expect(listed.json?["tokens"]?.arrayValues?.first?["origins"] == .array([.string("https://a.example")]))
        let token = try #require(reply.json?["token"]?.stringValue)
        let stream = try await SSEClient(
            url: server.baseURL + "/api/public/events/acme?t=\(token)", headers: [("Origin", "https://a.example")])
        #expect(stream.status == 200)
        #expect(stream.headers.first(name: "Access-Control-Allow-Origin") == "https://a.example")
        try await server.stop()
    }

    @Test func aLongElementIsRefusedNotACrash() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let element = String(repeating: "e", count: 254)
        let reply = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"\#(element)","purpose":"public-widget"}"#)
        #expect(reply.status == 400)
        #expect(reply.json?["field"]?.stringValue == "element")
        #expect(try await server.request(.GET, "/healthz").status == 200)
        try await server.stop()
    }
}
