import Foundation
import SluiceCore
import SluiceServer
import SluiceTesting
import Testing

/// Run state (`GET /api/{circle}/runs/{run_id}`) and circle names against a real server.
@Suite struct RunStateTests {
    @Test func runStateFollowsTheRunAndShowsTheTerminalThroughTheFace() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        #expect(try await server.request(.GET, "/api/acme/runs/r1", key: key).code == "not_found")
        try await server.publish(
            "acme", key: key,
            #"{"events":[{"subject":"sales-board.x.started","invocation_id":"r1"},{"subject":"sales-board.x.started","invocation_id":"child","run_id":"r1"}]}"#
        )
        let running = try await server.request(.GET, "/api/acme/runs/r1", key: key)
        #expect(running.status == 200)
        #expect(running.json?["status"]?.stringValue == "running")
        #expect(running.json?["ended_at"] == .null)
        #expect(running.json?["terminal"] == .null)
        #expect(running.json?["last_event_id"]?.stringValue == "2")
        let started = try #require(running.json?["started_at"]?.stringValue)
        #expect(running.json?["invocations"]?.arrayValues?.first?["started_at"]?.stringValue == started)
        #expect(running.json?["invocations"]?.arrayValues?.compactMap { $0["invocation_id"]?.stringValue } == ["r1", "child"])

        server.clock.advance(by: 5)
        try await server.publish("acme", key: key, #"{"subject":"sales-board.x.failed","invocation_id":"child","run_id":"r1"}"#)
        #expect(try await server.request(.GET, "/api/acme/runs/r1", key: key).json?["status"]?.stringValue == "running")
        try await server.publish(
            "acme", key: key,
            #"{"subject":"sales-board.x.completed","invocation_id":"r1","cache":"apply","payload":{"output":{"total":3},"secret":"s3cr3t"}}"#)
        let done = try await server.request(.GET, "/api/acme/runs/r1", key: key)
        #expect(done.json?["status"]?.stringValue == "completed")
        let ended = try #require(done.json?["ended_at"]?.stringValue)
        #expect(ended > started, "the clock moved 5 s between start and end")
        #expect(done.json?["started_at"]?.stringValue == started)
        #expect(done.json?["last_event_id"]?.stringValue == "4")
        #expect(done.json?["terminal"]?["id"]?.stringValue == "4")
        #expect(done.json?["terminal"]?["payload"]?["secret"]?.stringValue == "s3cr3t", "member sees the whole envelope")
        let statuses = done.json?["invocations"]?.arrayValues?.compactMap { $0["status"]?.stringValue }
        #expect(statuses == ["completed", "failed"])

        let widget = try await server.makeKey("acme", scopes: ["events:read"], extra: #","face":"public-widget""#)
        let seen = try await server.request(.GET, "/api/acme/runs/r1", key: widget)
        #expect(seen.json?["terminal"]?["payload"]?["output"]?["total"]?.intValue == 3)
        #expect(!seen.body.contains("s3cr3t"), "the terminal goes through the caller's face")
        #expect(seen.json?["terminal"]?["redacted"] == .bool(true))
        let narrow = try await server.makeKey("acme", scopes: ["events:read"], extra: #","subjects":["orders.>"]"#)
        #expect(try await server.request(.GET, "/api/acme/runs/r1", key: narrow).json?["terminal"] == .null)
        try await server.stop()
    }

    @Test func runStateNeedsEventsReadInTheCircle() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let other = try await server.makeCircle("beta")
        try await server.publish("acme", key: key, #"{"subject":"a.b.started","invocation_id":"r1"}"#)
        #expect(try await server.request(.GET, "/api/acme/runs/r1").status == 401)
        #expect(try await server.request(.GET, "/api/acme/runs/r1", key: other).status == 403)
        let publisher = try await server.makeKey("acme", scopes: ["events:publish"])
        #expect(try await server.request(.GET, "/api/acme/runs/r1", key: publisher).status == 403)
        #expect(try await server.request(.GET, "/api/beta/runs/r1", key: other).code == "not_found", "runs never cross circles")
        try await server.stop()
    }

    @Test func aDeletedCircleForgetsItsRuns() async throws {
        let server = try await TestServer.start()
        var key = try await server.makeCircle("acme")
        try await server.publish("acme", key: key, #"{"subject":"a.b.started","invocation_id":"r1"}"#)
        #expect(try await server.request(.DELETE, "/api/circles/acme", key: server.adminKey).status == 204)
        key = try await server.makeCircle("acme")
        #expect(try await server.request(.GET, "/api/acme/runs/r1", key: key).code == "not_found")
        try await server.stop()
    }

    @Test func circlesTakeADisplayName() async throws {
        let server = try await TestServer.start()
        let created = try await server.request(.POST, "/api/circles", key: server.adminKey, body: #"{"id":"acme","name":"Acme Inc."}"#)
        #expect(created.status == 201)
        #expect(created.json?["name"]?.stringValue == "Acme Inc.")
        let shown = try await server.request(.GET, "/api/circles/acme", key: server.adminKey)
        #expect(shown.status == 200)
        #expect(shown.json?.objectMembers?.map(\.0) == ["id", "name", "created_at"])
        #expect(shown.json?["name"]?.stringValue == "Acme Inc.")
        _ = try await server.request(.POST, "/api/circles", key: server.adminKey, body: #"{"id":"beta"}"#)
        #expect(try await server.request(.GET, "/api/circles/beta", key: server.adminKey).json?["name"] == .null)
        let list = try await server.request(.GET, "/api/circles", key: server.adminKey)
        #expect(list.json?["circles"]?.arrayValues?.compactMap { $0["name"]?.stringValue } == ["Acme Inc."])
        #expect(try await server.request(.GET, "/api/circles/ghost", key: server.adminKey).code == "not_found")
        let key = try await server.makeKey("acme", scopes: ["events:read"])
        #expect(try await server.request(.GET, "/api/circles/acme", key: key).status == 403)
        for bad in [#""""#, "\"\(String(repeating: "x", count: 201))\"", "3", #""a\u0007b""#] {
            let reply = try await server.request(.POST, "/api/circles", key: server.adminKey, body: #"{"id":"gamma","name":\#(bad)}"#)
            #expect(reply.status == 400)
            #expect(reply.json?["field"]?.stringValue == "name")
        }
        #expect(try await server.request(.GET, "/api/circles/gamma", key: server.adminKey).status == 404, "nothing stored on a bad name")
        try await server.stop()
    }

    @Test func theBrowserModuleIsServedWithAVersionedTag() async throws {
        let server = try await TestServer.start()
        let reply = try await server.request(.GET, "/sdk/sluice.js", headers: [("Origin", "https://shop.example")])
        #expect(reply.status == 200)
        #expect(reply.headers["Content-Type"].first?.hasPrefix("text/javascript") == true)
        #expect(reply.headers["Access-Control-Allow-Origin"].first == "*")
        let tag = try #require(reply.headers["ETag"].first)
        #expect(tag.hasPrefix("\"sluice-js-1.0.0-"))
        #expect(reply.body.contains("export function subscribe("))
        #expect(reply.body.contains("export function waitForRun("))
        #expect(reply.body.contains(#"export const version = "1.0.0""#))
        #expect(!reply.body.contains("import "), "dependency-free")
        #expect(try await server.request(.GET, "/sdk/sluice.js", headers: [("If-None-Match", tag)]).status == 304)
        #expect(try await server.request(.GET, "/sdk/sluice.js", headers: [("If-None-Match", "\"old\"")]).status == 200)
        try await server.stop()
    }

    @Test func theWidgetMayBeFramedOnlyByTheTokensOrigins() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        func mint(_ extra: String) async throws -> String {
            let reply = try await server.request(
                .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"\#(extra)}"#)
            return try #require(reply.json?["token"]?.stringValue)
        }
        let open = try await server.request(.GET, "/embed/acme?t=\(try await mint(""))&theme=dark")
        #expect(open.status == 200)
        let policy = try #require(open.headers["Content-Security-Policy"].first)
        #expect(!policy.contains("frame-ancestors"))
        #expect(open.headers["X-Frame-Options"].isEmpty)
        #expect(open.body.contains(#"data-theme="dark""#))
        let nonce = try #require(policy.split(separator: "'").first { $0.hasPrefix("nonce-") }).dropFirst(6)
        #expect(open.body.contains(#"<script type="module" nonce="\#(nonce)">"#))

        let limited = try await server.request(
            .GET, "/embed/acme?t=\(try await mint(#","origins":["https://shop.example","https://b.example:8443"]"#))")
        #expect(limited.headers["Content-Security-Policy"].first?.hasSuffix("; frame-ancestors https://shop.example https://b.example:8443") == true)
        #expect(limited.body.contains(#"data-theme="light""#))
        #expect(try await server.request(.GET, "/embed/acme?t=\(try await mint(""))&theme=neon").json?["field"]?.stringValue == "theme")
        try await server.stop()
    }
}
