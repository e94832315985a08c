import Foundation
import SluiceCore
import SluiceTesting
import Testing

/// `failed` and `cancelled` are always `cache: "invalidate"` (contract
/// section 3), stored and delivered so, live and in replay, on every face.
@Suite(.timeLimit(.minutes(1))) struct CacheRuleTests {
    static let watcherPolicy = """
        version: 1
        circles: ["*"]
        faces:
          watcher:
            subjects: [">"]
            fields: ["payload.output"]
        """

    func caches(_ events: [SSEParser.Event]) -> [String: String] {
        var out: [String: String] = [:]
        for event in events {
            guard let envelope = try? JSONValue.parse(event.data), let subject = envelope["subject"]?.stringValue else { continue }
            out[subject] = envelope["cache"]?.stringValue
        }
        return out
    }

    @Test func failedAndCancelledInvalidateLiveAndInReplayOnEveryFace() async throws {
        let server = try await TestServer.start(policies: ["default.yaml": TestServer.defaultPolicy, "watcher.yaml": Self.watcherPolicy])
        let member = try await server.makeCircle("acme")
        let watcher = try await server.makeKey("acme", scopes: ["events:read"], extra: #","face":"watcher""#)
        let keys = [member, watcher]
        var live: [SSEClient] = []
        for key in keys {
            let client = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
            #expect(client.status == 200)
            _ = await client.next()  // connected
            live.append(client)
        }
        let body = """
            {"events":[
              {"subject":"job.a.started","invocation_id":"a"},
              {"subject":"job.a.failed","invocation_id":"a","cache":"apply","payload":{"output":{"total":1}}},
              {"subject":"job.b.started","invocation_id":"b"},
              {"subject":"job.b.cancelled","invocation_id":"b","cache":"apply","payload":{"output":{"total":2}}},
              {"subject":"job.c.completed","cache":"apply","payload":{"output":{"total":3}}}
            ]}
            """
        #expect(try await server.publish("acme", key: member, body).status == 201)
        let expected = [
            "job.a.started": "invalidate", "job.a.failed": "invalidate", "job.b.started": "invalidate",
            "job.b.cancelled": "invalidate", "job.c.completed": "apply",
        ]
        for client in live {
            #expect(caches(await client.events(5)) == expected)
            client.close()
        }
        for key in keys {
            let replay = try await SSEClient(url: server.baseURL + "/api/events/acme?last_event_id=0", headers: [("X-Api-Key", key)])
            let events = await replay.events(5)
            #expect(caches(events) == expected)
            replay.close()
        }
        // What is stored is what is delivered.
        let stored = try await server.gateway.store.events(in: CircleID("acme")!, after: 0, limit: 10)
        #expect(stored.map(\.input.cache) == [.invalidate, .invalidate, .invalidate, .invalidate, .apply])
        try await server.stop()
    }
}
