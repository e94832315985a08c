import AsyncHTTPClient
import Foundation
import SluiceCore
import SluiceCrypto
import SluiceServer
import SluiceTesting
import Testing

/// Share tokens, public streams, redaction and policy reloads (contract
/// sections 5 and 6) against a real server.
@Suite struct ShareTests {
    struct Minted {
        let token: String
        let jti: String
        let url: String
    }

    func mint(_ server: TestServer, key: String, circle: String = "acme", body: String = #"{"element":"sales-board","purpose":"public-widget"}"#)
        async throws -> Minted
    {
        let reply = try await server.request(.POST, "/api/\(circle)/_share/mint", key: key, body: body)
        guard reply.status == 201, let json = reply.json, let token = json["token"]?.stringValue, let jti = json["jti"]?.stringValue,
            let url = json["url"]?.stringValue
        else { throw SluiceError.invalidRequest("mint failed: \(reply.body)") }
        return Minted(token: token, jti: jti, url: url)
    }

    func publicURL(_ server: TestServer, _ circle: String, _ token: String, _ extra: String = "") -> String {
        server.baseURL + "/api/public/events/\(circle)?t=\(token)\(extra)"
    }

    @Test func mintListRevoke() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key)
        #expect(minted.url.hasSuffix("/api/public/events/acme?t=\(minted.token)"))
        let list = try await server.request(.GET, "/api/acme/_share", key: key)
        #expect(list.json?["tokens"]?.arrayValues?.count == 1)
        #expect(!list.body.contains(minted.token), "the token itself is never listed")
        let reader = try await server.makeKey("acme", scopes: ["events:read"])
        #expect(try await server.request(.GET, "/api/acme/_share", key: reader).status == 403)
        #expect(try await server.request(.DELETE, "/api/acme/_share/\(minted.jti)", key: key).status == 204)
        #expect(try await server.request(.GET, "/api/acme/_share", key: key).json?["tokens"]?.arrayValues?.count == 0)
        #expect(try await SSEClient(url: publicURL(server, "acme", minted.token)).status == 401)
        try await server.stop()
    }

    @Test(arguments: [
        (#"{"element":"sales-board","purpose":"no-such-face"}"#, "purpose"),
        (#"{"element":"sales-board","purpose":"public-widget","subjects":["other.>"]}"#, "subjects"),
        (#"{"element":"sales-board","purpose":"public-widget","subjects":[">"]}"#, "subjects"),
        (#"{"element":"sales.board","purpose":"public-widget"}"#, "element"),
        (#"{"purpose":"public-widget"}"#, "element"),
        (#"{"element":"sales-board","purpose":"public-widget","ttl_seconds":99999999}"#, "ttl_seconds"),
        (#"{"element":"sales-board","purpose":"public-widget","origins":["javascript:alert(1)"]}"#, "origins"),
        (#"{"element":"sales-board","purpose":"public-widget","max_connections":0}"#, "max_connections"),
    ])
    func mintValidation(body: String, field: String) async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let reply = try await server.request(.POST, "/api/acme/_share/mint", key: key, body: body)
        #expect(reply.status == 400)
        #expect(reply.json?["field"]?.stringValue == field)
        try await server.stop()
    }

    @Test func publicStreamsShowOnlyWhatTheFaceAllowsWithOpaqueIDs() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key)
        let stream = try await SSEClient(url: publicURL(server, "acme", minted.token))
        #expect(stream.status == 200)
        let connected = await stream.next()
        #expect(connected?.name == "connected")
        #expect(connected?.data.contains("public-widget") == true)
        for _ in 0..<5 { try await server.publish("acme", key: key, #"{"subject":"other.thing.completed"}"#) }
        try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.started","invocation_id":"i1","payload":{"secret":1}}"#)
        try await server.publish(
            "acme", key: key,
            #"{"subject":"sales-board.b1.completed","invocation_id":"i1","actor":{"type":"user","id":"u_secret"},"trace_id":"t_secret","cache":"apply","payload":{"output":{"total":3,"cost":99},"customer":"Alice"}}"#
        )
        let events = await stream.events(1)
        #expect(events.count == 1)
        let envelope = try #require(events.first.flatMap { try? JSONValue.parse($0.data) })
        #expect(envelope["subject"] == .string("sales-board.b1.completed"))
        #expect(envelope["payload"] == (try JSONValue.parse(#"{"output":{"total":3}}"#)))
        #expect(envelope["actor"] == (try JSONValue.parse(#"{"type":"user"}"#)))
        #expect(envelope["redacted"] == .bool(true))
        #expect(envelope["cache"] == .string("invalidate"))
        for hidden in ["circle", "invocation_id", "trace_id", "run_id"] { #expect(envelope[hidden] == nil, "\(hidden)") }
        let text = String(decoding: stream.raw, as: UTF8.self)
        for leak in ["Alice", "u_secret", "t_secret", "cost", "other.thing"] { #expect(!text.contains(leak), "\(leak)") }
        let id = try #require(events.first?.id)
        #expect(Int(id) == nil, "ids are opaque")
        #expect(envelope["id"] == .string(id))
        stream.close()
        try await server.stop()
    }

    @Test func opaqueIDsResumeWithoutGapOrDuplicate() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key)
        for i in 0..<10 {
            try await server.publish("acme", key: key, #"{"subject":"sales-board.b\#(i).completed","payload":{"output":{"total":\#(i)}}}"#)
            try await server.publish("acme", key: key, #"{"subject":"hidden.b\#(i).completed"}"#)
        }
        let all = try await SSEClient(url: publicURL(server, "acme", minted.token, "&last_event_id=0"))
        let first = await all.events(10)
        #expect(first.count == 10)
        all.close()
        let resumeFrom = try #require(first[3].id)
        let resumed = try await SSEClient(url: publicURL(server, "acme", minted.token), headers: [("Last-Event-ID", resumeFrom)])
        let rest = await resumed.events(6)
        #expect(rest.map(\.id) == first[4...].map(\.id))
        #expect(await resumed.next(timeout: .milliseconds(100)) == nil)
        resumed.close()
        let forged = try await SSEClient(url: publicURL(server, "acme", minted.token), headers: [("Last-Event-ID", "7")])
        #expect(forged.status == 400, "a plain sequence number is not an id of a public stream")
        try await server.stop()
    }

    @Test func revocationClosesOpenPublicStreamsWithinOneSecond() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key)
        let streams = [
            try await SSEClient(url: publicURL(server, "acme", minted.token)), try await SSEClient(url: publicURL(server, "acme", minted.token)),
        ]
        for stream in streams { _ = await stream.next() }
        #expect(try await server.request(.DELETE, "/api/acme/_share/\(minted.jti)", key: key).status == 204)
        // Timed from the confirmed revocation.
        let start = ContinuousClock.now
        for stream in streams { #expect(await stream.waitForEnd(timeout: .seconds(1))) }
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(try await SSEClient(url: publicURL(server, "acme", minted.token)).status == 401)
        try await server.stop()
    }

    @Test func expiryClosesOpenPublicStreams() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key, body: #"{"element":"sales-board","purpose":"public-widget","ttl_seconds":60}"#)
        let stream = try await SSEClient(url: publicURL(server, "acme", minted.token))
        _ = await stream.next()
        server.clock.advance(by: 61)
        let start = ContinuousClock.now
        #expect(await stream.waitForEnd(timeout: .seconds(1)))
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(try await SSEClient(url: publicURL(server, "acme", minted.token)).status == 401)
        try await server.stop()
    }

    @Test func maxConnectionsIsEnforced() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key, body: #"{"element":"sales-board","purpose":"public-widget","max_connections":2}"#)
        let a = try await SSEClient(url: publicURL(server, "acme", minted.token))
        let b = try await SSEClient(url: publicURL(server, "acme", minted.token))
        let c = try await SSEClient(url: publicURL(server, "acme", minted.token))
        #expect(a.status == 200)
        #expect(b.status == 200)
        #expect(c.status == 429)
        #expect(c.errorBody.contains("too_many_connections"))
        a.close()
        let deadline = ContinuousClock.now + .seconds(3)
        while server.gateway.hub.streamCount(credential: .shareToken(jti: minted.jti)) > 1 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await SSEClient(url: publicURL(server, "acme", minted.token)).status == 200)
        try await server.stop()
    }

    @Test func corsFollowsTheTokensOrigins() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let open = try await mint(server, key: key)
        let anyOrigin = try await SSEClient(url: publicURL(server, "acme", open.token), headers: [("Origin", "https://x.test")])
        #expect(anyOrigin.headers["Access-Control-Allow-Origin"].first == "*")
        #expect(anyOrigin.headers["Access-Control-Allow-Credentials"].isEmpty)
        anyOrigin.close()
        let limited = try await mint(server, key: key, body: #"{"element":"sales-board","purpose":"public-widget","origins":["https://shop.test"]}"#)
        let allowed = try await SSEClient(url: publicURL(server, "acme", limited.token), headers: [("Origin", "https://shop.test")])
        #expect(allowed.headers["Access-Control-Allow-Origin"].first == "https://shop.test")
        allowed.close()
        let refused = try await SSEClient(url: publicURL(server, "acme", limited.token), headers: [("Origin", "https://evil.test")])
        #expect(refused.status == 403)
        #expect(refused.headers["Access-Control-Allow-Origin"].isEmpty)
        let preflight = try await server.request(
            .OPTIONS, "/api/public/events/acme?t=\(limited.token)",
            headers: [("Origin", "https://shop.test"), ("Access-Control-Request-Method", "GET")])
        #expect(preflight.status == 204)
        #expect(preflight.headers["Access-Control-Allow-Origin"].first == "https://shop.test")
        #expect(preflight.headers["Access-Control-Allow-Methods"].first?.contains("GET") == true)
        #expect(preflight.headers["Access-Control-Allow-Headers"].first?.contains("Last-Event-ID") == true)
        try await server.stop()
    }

    @Test func badTokensAreA401WithoutDetail() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let otherKey = try await server.makeCircle("globex")
        let good = try await mint(server, key: key)
        let other = try await mint(server, key: otherKey, circle: "globex")
        let expired = try await mint(server, key: key, body: #"{"element":"sales-board","purpose":"public-widget","ttl_seconds":1}"#)
        let revoked = try await mint(server, key: key)
        _ = try await server.request(.DELETE, "/api/acme/_share/\(revoked.jti)", key: key)
        let parts = good.token.split(separator: ".").map(String.init)
        let header = { (json: String) in Base64URL.encode(Array(json.utf8)) }
        let tamperedClaims = Base64URL.encode(
            Array(
                String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self)
                    .replacingOccurrences(of: "\"max_connections\":100", with: "\"max_connections\":9999").utf8))
        let forgedWithOtherKey = try JWTSigner.mint(
            claims: try JSONValue.parse(String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self)),
            key: JWTKey(id: "db-1", algorithm: .hs256, material: Array("a-completely-different-secret-of-32-bytes!".utf8)))
        var cases: [(String, String)] = [
            ("other circle", other.token), ("revoked", revoked.token), ("tampered", "\(parts[0]).\(tamperedClaims).\(parts[2])"),
            ("truncated", String(good.token.dropLast(5))), ("100 KB", good.token + String(repeating: "A", count: 100 * 1024)),
            ("garbage", "garbage"), ("empty", ""), ("unknown kid", "\(header(#"{"alg":"HS256","kid":"zz","typ":"JWT"}"#)).\(parts[1]).\(parts[2])"),
            ("other key", forgedWithOtherKey), ("API key", key),
        ]
        for alg in ["none", "None", "NONE", "nOnE"] {
            cases.append(("alg \(alg)", "\(header(#"{"alg":"\#(alg)","kid":"db-1","typ":"JWT"}"#)).\(parts[1])."))
        }
        server.clock.advance(by: 5)
        cases.append(("expired", expired.token))
        var bodies = Set<String>()
        for (name, token) in cases {
            let stream = try await SSEClient(
                url: publicURL(server, "acme", token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token))
            #expect(stream.status == 401, "\(name)")
            #expect(!stream.errorBody.contains("globex"), "\(name)")
            bodies.insert(stream.errorBody)
        }
        #expect(bodies.count == 2, "every bad token gets the same answer (a missing token says so): \(bodies)")
        let control = try await SSEClient(url: publicURL(server, "acme", good.token))
        #expect(control.status == 200)
        control.close()
        let onAuthRoute = try await SSEClient(url: server.baseURL + "/api/events/acme?t=\(good.token)")
        #expect(onAuthRoute.status == 401, "a share token is no credential on an authenticated route")
        try await server.stop()
    }

    @Test func embedPageServesALiveWidget() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let minted = try await mint(server, key: key)
        let page = try await server.request(.GET, "/embed/acme?t=\(minted.token)")
        #expect(page.status == 200)
        #expect(page.headers["Content-Type"].first?.hasPrefix("text/html") == true)
        #expect(page.body.contains("from \"/sdk/sluice.js\""))
        #expect(page.body.contains("/api/public/events/acme?events=message&last_event_id=0&t=\(minted.token)"))
        #expect(page.headers["Content-Security-Policy"].first?.contains("default-src 'none'") == true)
        #expect(try await server.request(.GET, "/embed/acme?t=bad<script>").status == 401)
        #expect(try await server.request(.GET, "/embed/acme?t=\(minted.token)x").status == 401)
        try await server.stop()
    }

    @Test func aBrokenPolicyKeepsTheOldOneInForce() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let policyFile = server.directory.appendingPathComponent("policies/default.yaml")
        try "version: 1\ncircles: [\"*\"]\nfaces:\n  member:\n    subjects: [\"a..b\"]\n    fields: [\"**\"]\n"
            .write(to: policyFile, atomically: true, encoding: .utf8)
        let deadline = ContinuousClock.now + .seconds(5)
        while !server.logs.text.contains("policy refused") && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(server.logs.text.contains("default.yaml:5"), "the log names file and line")
        let metrics = try await server.request(.GET, "/metrics")
        #expect(metrics.body.contains("sluice_policy_reload_failures_total 1"))
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        _ = await stream.next()
        try await server.publish("acme", key: key, #"{"subject":"x.y"}"#)
        #expect(await stream.events(1).count == 1, "the member face still delivers")
        stream.close()
        try await server.stop()
    }

    @Test func publicStreamsNeverLeakWhilePoliciesReloadUnderLoad() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        _ = try await server.makeCircle("globex")
        let globexKey = try await server.makeKey("globex", scopes: ["events:publish"])
        let minted = try await mint(server, key: key)
        let stream = try await SSEClient(url: publicURL(server, "acme", minted.token))
        _ = await stream.next()
        let policyFile = server.directory.appendingPathComponent("policies/default.yaml")
        let narrow = TestServer.defaultPolicy.replacingOccurrences(of: #""payload.progress.percent", "#, with: "")
        let reloads = Task {
            for i in 0..<20 {
                try (i % 2 == 0 ? narrow : TestServer.defaultPolicy).write(to: policyFile, atomically: true, encoding: .utf8)
                try await Task.sleep(for: .milliseconds(60))
            }
        }
        for i in 0..<60 {
            try await server.publish(
                "acme", key: key,
                #"{"subject":"sales-board.b\#(i).progress","payload":{"progress":{"percent":\#(i)},"secret":"s\#(i)"},"actor":{"type":"agent","id":"agent-secret"}}"#
            )
            try await server.publish("globex", key: globexKey, #"{"subject":"sales-board.b\#(i).progress","payload":{"progress":{"percent":1}}}"#)
        }
        try await reloads.value
        let events = await stream.events(60, timeout: .seconds(10))
        #expect(events.count == 60)
        for event in events {
            let envelope = try #require(try? JSONValue.parse(event.data))
            let payload = envelope["payload"]?.objectMembers ?? []
            #expect(payload.allSatisfy { $0.0 == "progress" }, "only allowed payload paths: \(event.data)")
            #expect(envelope["actor"]?["id"] == nil)
            #expect(envelope["circle"] == nil)
        }
        let text = String(decoding: stream.raw, as: UTF8.self)
        #expect(!text.contains("secret"))
        #expect(!text.contains("globex"))
        stream.close()
        try await server.stop()
    }
}
