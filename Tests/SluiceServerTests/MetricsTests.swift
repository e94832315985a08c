import Foundation
import SluiceCore
import SluiceCrypto
import SluiceTesting
import Testing

/// `/metrics` through a real server: each figure moves when its event happens,
/// every family has `# HELP`, and no label carries a circle, key or token.
@Suite struct MetricsTests {
    @Test func requestsAreCountedByRouteTemplateAndStatusClass() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let keyID = String(key.split(separator: "_")[1])
        #expect(try await server.request(.GET, "/api/acme/keys", key: key).status == 200)
        #expect(try await server.request(.GET, "/api/acme/keys", key: key).status == 200)
        #expect(try await server.request(.GET, "/no/such/route/acme").status == 404)
        let scrape = try await MetricsScrape.of(server)
        #expect(scrape.count("sluice_http_requests_total", ["route": "/api/{circle}/keys", "method": "GET", "status": "2xx"]) == 2)
        #expect(scrape.count("sluice_http_requests_total", ["route": "unmatched", "status": "4xx"]) == 1)
        #expect(scrape.count("sluice_http_request_duration_seconds_count", ["route": "/api/{circle}/keys", "method": "GET"]) == 2)
        #expect(scrape.count("sluice_requests_rejected_total", ["route": "unmatched", "code": "not_found"]) == 1)
        let samples = scrape.text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!samples.contains { $0.contains("acme") || $0.contains(keyID) }, "no circle id or key id in any label")
        let (typed, helped) = scrape.families
        #expect(typed.isSubset(of: helped), "every family has # HELP: missing \(typed.subtracting(helped).sorted())")
        for family in [
            "sluice_events_ingested_total", "sluice_ingest_batches_total", "sluice_ingest_commit_seconds", "sluice_auth_failures_total",
            "sluice_streams_opened_total", "sluice_streams_open", "sluice_streams_open_by_kind", "sluice_events_delivered_total",
            "sluice_progress_coalesced_total", "sluice_streams_closed_falling_behind_total", "sluice_delivery_lag_seconds",
            "sluice_connections_open", "sluice_connections_refused_total", "sluice_policy_reloads_total", "sluice_policy_reload_failures_total",
            "sluice_share_tokens_live",
            "process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds_total",
            "sluice_process_heap_in_use_bytes",
        ] {
            #expect(typed.contains(family), "\(family) is exposed")
        }
        #expect(scrape.count("process_resident_memory_bytes") > Double(1 << 20))
        #expect(scrape.count("process_open_fds") > 2)
        #expect(scrape.count("sluice_process_heap_in_use_bytes") > Double(1 << 20), "the gateway's own heap is counted")
        #expect(scrape.count("sluice_process_heap_in_use_bytes") < scrape.count("process_resident_memory_bytes") * 4)
        #expect(scrape.value("process_cpu_seconds_total") != nil)
        #expect(scrape.count("sluice_connections_open") >= 1, "the scrape's own connection is open")
        try await server.stop()
    }

    @Test func ingestFiguresMoveOnEveryPath() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let batch = #"{"events":[{"subject":"a.b"},{"subject":"a.c"}]}"#
        #expect(try await server.publish("acme", key: key, batch).status == 201)
        #expect(try await server.publish("acme", key: key, "{not json").code == "invalid_json")
        #expect(try await server.publish("acme", key: key, #"{"subject":"a.done","invocation_id":"i"}"#).code == "lifecycle_violation")
        // The demo publisher's path: straight into the pipeline, no HTTP.
        _ = try await server.gateway.ingest.append([EventInput(subject: Subject("sales-board.demo.started")!)], to: CircleID("acme")!)
        let scrape = try await MetricsScrape.of(server)
        #expect(scrape.count("sluice_events_ingested_total") == 3)
        #expect(scrape.count("sluice_ingest_batches_total") == 1)
        #expect(scrape.count("sluice_ingest_commit_seconds_count") == 1)
        #expect(scrape.count("sluice_ingest_commit_seconds_bucket", ["le": "+Inf"]) == 1)
        let route = "/api/{circle}/events"
        #expect(scrape.count("sluice_requests_rejected_total", ["route": route, "code": "invalid_json"]) == 1)
        #expect(scrape.count("sluice_requests_rejected_total", ["route": route, "code": "lifecycle_violation"]) == 1)
        #expect(scrape.count("sluice_http_requests_total", ["route": route, "method": "POST", "status": "4xx"]) == 2)
        try await server.stop()
    }

    @Test func authFailuresAreCountedByReason() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        _ = try await server.makeCircle("beta")
        let short = try await server.makeKey("acme", scopes: ["events:read"], extra: #","expires_in_seconds":1"#)
        let revoked = try await server.makeKey("acme", scopes: ["events:read"])
        let revokedID = String(revoked.split(separator: "_")[1])
        #expect(try await server.request(.DELETE, "/api/acme/keys/\(revokedID)", key: key).status == 204)
        server.clock.advance(by: 5)
        let parts = key.split(separator: "_")
        let wrongSecret = "slk_\(parts[1])_" + String(repeating: "A", count: 40)
        let unknown = "slk_aaaaaaaaaaaa_" + String(repeating: "B", count: 40)
        for (credential, _) in [
            (nil, "missing"), ("garbage", "malformed"), (unknown, "unknown"), (wrongSecret, "bad_secret"),
            (revoked, "revoked"), (short, "expired"),
        ] as [(String?, String)] {
            #expect(try await server.request(.GET, "/api/acme/keys", key: credential).status == 401)
        }
        #expect(try await server.request(.GET, "/api/acme/keys", headers: [("Authorization", "Basic x")]).status == 401)

        let mint = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        let token = try #require(mint.json?["token"]?.stringValue)
        let jti = try #require(mint.json?["jti"]?.stringValue)
        // Twice, so the second stream is served by the listener's fast path.
        for _ in 0..<2 {
            let stream = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)")
            #expect(stream.status == 200)
            stream.close()
        }
        #expect(try await server.request(.GET, "/api/public/events/beta?t=\(token)").status == 401)
        #expect(try await server.request(.GET, "/api/public/events/acme").status == 401)
        #expect(try await server.request(.GET, "/api/public/events/acme?t=not.a.token").status == 401)
        #expect(try await server.request(.DELETE, "/api/acme/_share/\(jti)", key: key).status == 204)
        #expect(try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)").status == 401)

        let scrape = try await MetricsScrape.of(server)
        let expected: [String: Double] = [
            "missing": 2, "malformed": 3, "unknown": 1, "bad_secret": 1, "revoked": 2, "expired": 1, "wrong_circle": 1,
        ]
        for (reason, count) in expected {
            #expect(scrape.count("sluice_auth_failures_total", ["reason": reason]) == count, "reason \(reason)")
        }
        #expect(scrape.count("sluice_auth_failures_total") == expected.values.reduce(0, +))
        #expect(scrape.count("sluice_streams_opened_total", ["kind": "public_sse"]) == 2)
        try await server.stop()
    }

    @Test func streamFiguresFollowStreamsOfEveryKind() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let live = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        let run = try await SSEClient(url: server.baseURL + "/api/acme/runs/r1/events", headers: [("X-Api-Key", key)])
        _ = await live.next()
        var scrape = try await MetricsScrape.of(server)
        #expect(scrape.count("sluice_streams_opened_total", ["kind": "sse"]) == 1)
        #expect(scrape.count("sluice_streams_opened_total", ["kind": "run"]) == 1)
        #expect(scrape.count("sluice_streams_open_by_kind", ["kind": "sse"]) == 1)
        #expect(scrape.count("sluice_streams_open") == 2)
        try await server.publish("acme", key: key, #"{"subject":"a.started","invocation_id":"r1"}"#)
        try await server.publish("acme", key: key, #"{"subject":"a.completed","invocation_id":"r1"}"#)
        #expect(await live.events(2).count == 2)
        #expect(await run.waitForEnd(timeout: .seconds(5)))
        scrape = try await MetricsScrape.of(server)
        #expect(scrape.count("sluice_events_delivered_total", ["kind": "sse"]) == 2)
        #expect(scrape.count("sluice_delivery_lag_seconds_count") >= 2)
        live.close()
        #expect(
            try await eventually {
                let now = try await MetricsScrape.of(server)
                return now.count("sluice_streams_open_by_kind", ["kind": "sse"]) == 0 && now.count("sluice_streams_open_by_kind") == 0
            }, "closed streams leave the open gauges")
        try await server.stop()
    }

    @Test func aSlowReaderIsCoalescedThenClosedAndCounted() async throws {
        let server = try await TestServer.start { config in
            config.hub.queueFrames = 20
            config.hub.queueBytes = 1 << 20
        }
        let key = try await server.makeCircle("acme")
        let stalled = try StalledReader(port: server.port, path: "/api/events/acme", headers: [("X-Api-Key", key)])
        #expect(await eventually { server.gateway.hub.streamCount == 1 })
        let pad = String(repeating: "x", count: 2000)
        #expect(try await server.publish("acme", key: key, #"{"subject":"load.x.started","invocation_id":"i"}"#).status == 201)
        var batches = 0
        // Progress of one invocation until the kernel's buffers are full and
        // the queue starts coalescing; bounded.
        while try await MetricsScrape.of(server).count("sluice_progress_coalesced_total") == 0 && batches < 400 {
            let events = (0..<100).map { _ in #"{"subject":"load.x.progress","invocation_id":"i","payload":{"pad":"\#(pad)"}}"# }
            #expect(try await server.publish("acme", key: key, #"{"events":[\#(events.joined(separator: ","))]}"#).status == 201)
            batches += 1
        }
        #expect(try await MetricsScrape.of(server).count("sluice_progress_coalesced_total") > 0)
        var distinct = 0
        while try await MetricsScrape.of(server).count("sluice_streams_closed_falling_behind_total") == 0 && distinct < 80 {
            let events = (0..<100).map { i in #"{"subject":"load.d\#(distinct).e\#(i)","payload":{"pad":"\#(pad)"}}"# }
            #expect(try await server.publish("acme", key: key, #"{"events":[\#(events.joined(separator: ","))]}"#).status == 201)
            distinct += 1
        }
        let scrape = try await MetricsScrape.of(server)
        #expect(scrape.count("sluice_streams_closed_falling_behind_total", ["kind": "sse"]) == 1)
        stalled.disconnect()
        try await server.stop()
    }

    @Test func policySharesAndConnectionsAreCounted() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let mint = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        let jti = try #require(mint.json?["jti"]?.stringValue)
        #expect(try await MetricsScrape.of(server).count("sluice_share_tokens_live") == 1)
        #expect(try await server.request(.DELETE, "/api/acme/_share/\(jti)", key: key).status == 204)
        #expect(try await MetricsScrape.of(server).count("sluice_share_tokens_live") == 0)

        let extra = server.directory.appendingPathComponent("policies/extra.yaml")
        try "version: 1\ncircles: [\"acme\"]\nfaces:\n  extra:\n    subjects: [\">\"]\n    fields: [\"**\"]\n".write(
            to: extra, atomically: true, encoding: .utf8)
        #expect(try await eventually { try await MetricsScrape.of(server).count("sluice_policy_reloads_total") >= 1 })

        let before = try await MetricsScrape.of(server).count("sluice_connections_open")
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        #expect(try await MetricsScrape.of(server).count("sluice_connections_open") >= before + 1)
        stream.close()
        #expect(try await eventually { try await MetricsScrape.of(server).count("sluice_connections_open") <= before })
        try await server.stop()
    }
}

/// Session JWTs refused for each reason, counted by reason.
@Suite struct SessionFailureMetricsTests {
    static let secret = Array("an-hs256-portal-secret-of-at-least-32-bytes".utf8)

    func token(iss: String, exp: Int64, key: [UInt8] = secret) throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let claims: JSONValue = .object([
            ("sub", .string("u_1")), ("iss", .string(iss)), ("aud", .string("sluice")), ("exp", .number(String(now + exp))),
            ("circles", .object([("acme", .array([.string("keys:manage")]))])),
        ])
        return try JWTSigner.mint(claims: claims, key: JWTKey(id: "hs", algorithm: .hs256, material: key))
    }

    @Test func sessionFailuresAreCountedByReason() async throws {
        let issuer = "https://id.portal.test"
        let key = try JWTKey(id: "hs", algorithm: .hs256, material: Self.secret)
        let server = try await TestServer.start { $0.issuers = [.init(issuer: issuer, audience: "sluice", keys: [key])] }
        _ = try await server.makeCircle("acme")
        let good = try token(iss: issuer, exp: 3600)
        #expect(try await server.request(.GET, "/api/acme/keys", headers: [("Authorization", "Bearer \(good)")]).status == 200)
        let refused: [(String, String)] = [
            (try token(iss: issuer, exp: -3600), "expired"),
            (try token(iss: "https://other.test", exp: 3600), "unknown"),
            (try token(iss: issuer, exp: 3600, key: Array("another-secret-that-is-also-32-bytes-long".utf8)), "bad_signature"),
            ("a.b", "malformed"),
        ]
        for (jwt, _) in refused {
            #expect(try await server.request(.GET, "/api/acme/keys", headers: [("Cookie", "sluice_session=\(jwt)")]).status == 401)
        }
        let scrape = try await MetricsScrape.of(server)
        for (_, reason) in refused {
            #expect(scrape.count("sluice_auth_failures_total", ["reason": reason]) == 1, "reason \(reason)")
        }
        try await server.stop()
    }
}
