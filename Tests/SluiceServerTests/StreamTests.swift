import AsyncHTTPClient
import Foundation
import Logging
import SluiceCore
import SluiceHub
import SluiceServer
import SluiceTesting
import Testing

/// Authenticated streams (contract section 4) with real SSE bytes.
@Suite(.timeLimit(.minutes(2))) struct StreamTests {
    func ids(_ events: [SSEParser.Event]) -> [Int] { events.compactMap { $0.id.flatMap { Int($0) } } }

    @Test func headersPreambleAndLiveDelivery() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        #expect(stream.status == 200)
        #expect(stream.headers["Content-Type"].first == "text/event-stream")
        #expect(stream.headers["Cache-Control"].first == "no-cache")
        #expect(stream.headers["X-Accel-Buffering"].first == "no")
        let connected = await stream.next()
        #expect(connected?.name == "connected")
        let hello = try #require(connected.flatMap { try? JSONValue.parse($0.data) })
        #expect(hello["circle"] == .string("acme"))
        #expect(hello["face"] == .string("member"))
        #expect(hello["last_event_id"] == .null)
        #expect(String(decoding: stream.raw, as: UTF8.self).hasPrefix("retry: 3000\n\n"))
        let reply = try await server.publish(
            "acme", key: key,
            #"{"subject":"automation.execute.completed","invocation_id":"inv_7","payload":{"output":{"total":3}},"actor":{"type":"user","id":"u_1"},"trace_id":"4bf92f35","cache":"apply"}"#
        )
        #expect(reply.status == 409)
        #expect(reply.code == "lifecycle_violation", "completed without started breaks the lifecycle")
        let ok = try await server.publish(
            "acme", key: key,
            #"{"events":[{"subject":"automation.execute.started","invocation_id":"inv_7"},{"subject":"automation.execute.completed","invocation_id":"inv_7","run_id":"r1","payload":{"output":{"total":3}},"actor":{"type":"user","id":"u_1"},"trace_id":"4bf92f35","cache":"apply"}]}"#
        )
        #expect(ok.json?["ids"] == .array([.string("1"), .string("2")]))
        let events = await stream.events(2)
        #expect(events.count == 2)
        #expect(events.last?.name == "automation.execute.completed")
        #expect(events.last?.id == "2")
        let envelope = try #require(events.last.flatMap { try? JSONValue.parse($0.data) })
        #expect(envelope["circle"] == .string("acme"))
        #expect(envelope["kind"] == .string("completed"))
        #expect(envelope["run_id"] == .string("r1"))
        #expect(envelope["cache"] == .string("apply"))
        #expect(envelope["redacted"] == .bool(false))
        #expect(envelope["payload"] == (try JSONValue.parse(#"{"output":{"total":3}}"#)))
        let timestamp = try #require(envelope["timestamp"]?.stringValue)
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z"))
        stream.close()
        try await server.stop()
    }

    @Test func messageModeDropsEventNamesButKeepsControlNames() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme?events=message", headers: [("X-Api-Key", key)])
        #expect(await stream.next()?.name == "connected")
        try await server.publish("acme", key: key, #"{"subject":"a.b"}"#)
        let event = await stream.next()
        #expect(event?.name == nil)
        #expect(event?.id == "1")
        stream.close()
        try await server.stop()
    }

    @Test func circlesAreIsolatedUnderInterleavedPublishing() async throws {
        let server = try await TestServer.start()
        let acme = try await server.makeCircle("acme")
        let globex = try await server.makeCircle("globex")
        let acmeStream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", acme)])
        let globexStream = try await SSEClient(url: server.baseURL + "/api/events/globex", headers: [("X-Api-Key", globex)])
        #expect(try await SSEClient(url: server.baseURL + "/api/events/globex", headers: [("X-Api-Key", acme)]).status == 403)
        _ = await acmeStream.next()
        _ = await globexStream.next()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (circle, key) in [("acme", acme), ("globex", globex)] {
                group.addTask {
                    for i in 0..<40 {
                        try await server.publish(circle, key: key, #"{"subject":"\#(circle).item.n\#(i)","payload":{"owner":"\#(circle)"}}"#)
                    }
                }
            }
            try await group.waitForAll()
        }
        for (stream, circle, other) in [(acmeStream, "acme", "globex"), (globexStream, "globex", "acme")] {
            let events = await stream.events(40)
            #expect(events.count == 40)
            #expect(ids(events) == Array(1...40), "per-circle sequence from 1 with no gap")
            let text = String(decoding: stream.raw, as: UTF8.self)
            #expect(text.contains(circle))
            #expect(!text.contains(other))
            #expect(await stream.next(timeout: .milliseconds(200)) == nil)
        }
        acmeStream.close()
        globexStream.close()
        try await server.stop()
    }

    @Test func resumeWhilePublishingHasNoGapAndNoDuplicate() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        for i in 0..<30 { try await server.publish("acme", key: key, #"{"subject":"s.n\#(i)"}"#) }
        let total = 150
        let publisher = Task {
            for i in 30..<total { try await server.publish("acme", key: key, #"{"subject":"s.n\#(i)"}"#) }
        }
        let resumes = [0, 1, 7, 15, 29]
        var clients: [(Int, SSEClient)] = []
        for (i, point) in resumes.enumerated() {
            let headers = i % 2 == 0 ? [("X-Api-Key", key), ("Last-Event-ID", String(point))] : [("X-Api-Key", key)]
            let path = i % 2 == 0 ? "/api/events/acme" : "/api/events/acme?last_event_id=\(point)"
            clients.append((point, try await SSEClient(url: server.baseURL + path, headers: headers)))
        }
        try await publisher.value
        for (point, client) in clients {
            let events = await client.events(total - point, timeout: .seconds(20))
            #expect(ids(events) == Array((point + 1)...total), "resume after \(point)")
            #expect(await client.next(timeout: .milliseconds(100)) == nil, "nothing extra after \(point)")
            client.close()
        }
        try await server.stop()
    }

    @Test func subjectFiltersAndKeyRestrictionIntersect() async throws {
        let server = try await TestServer.start()
        let admin = try await server.makeCircle("acme")
        let restricted = try await server.makeKey("acme", scopes: ["events:read"], extra: #","subjects":["orders.>"]"#)
        let stream = try await SSEClient(
            url: server.baseURL + "/api/events/acme?subjects=orders.*.created,billing.>", headers: [("X-Api-Key", restricted)])
        _ = await stream.next()
        for subject in ["orders.eu.created", "orders.eu.deleted", "billing.x.created", "orders.us.created", "misc.a"] {
            try await server.publish("acme", key: admin, #"{"subject":"\#(subject)"}"#)
        }
        let events = await stream.events(2)
        #expect(events.map(\.name) == ["orders.eu.created", "orders.us.created"])
        #expect(await stream.next(timeout: .milliseconds(200)) == nil)
        let bad = try await SSEClient(url: server.baseURL + "/api/events/acme?subjects=a..b", headers: [("X-Api-Key", admin)])
        #expect(bad.status == 400)
        stream.close()
        try await server.stop()
    }

    @Test func runStreamsSendHistoryThenLiveAndClose() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        try await server.publish("acme", key: key, #"{"subject":"job.run.started","invocation_id":"inv_1"}"#)
        try await server.publish("acme", key: key, #"{"subject":"job.run.started","invocation_id":"inv_2"}"#)
        try await server.publish("acme", key: key, #"{"subject":"job.run.progress","invocation_id":"inv_1"}"#)
        let live = try await SSEClient(url: server.baseURL + "/api/acme/runs/inv_1/events", headers: [("X-Api-Key", key)])
        let history = await live.events(2)
        #expect(history.map(\.name) == ["job.run.started", "job.run.progress"])
        try await server.publish("acme", key: key, #"{"subject":"job.run.completed","invocation_id":"inv_2"}"#)
        try await server.publish("acme", key: key, #"{"subject":"job.run.completed","invocation_id":"inv_1"}"#)
        #expect(await live.events(1).first?.name == "job.run.completed")
        #expect(await live.waitForEnd(timeout: .seconds(2)), "the stream closes after the terminal event")

        let finished = try await SSEClient(url: server.baseURL + "/api/acme/runs/inv_1/events", headers: [("X-Api-Key", key)])
        #expect(await finished.events(3).count == 3)
        #expect(await finished.waitForEnd(timeout: .seconds(2)), "a finished run sends its history and closes")

        let waiting = try await SSEClient(url: server.baseURL + "/api/acme/runs/inv_9/events", headers: [("X-Api-Key", key)])
        _ = await waiting.next()
        try await server.publish("acme", key: key, #"{"subject":"job.run.started","invocation_id":"inv_9"}"#)
        try await server.publish("acme", key: key, #"{"subject":"job.run.failed","invocation_id":"inv_9"}"#)
        #expect(await waiting.events(2).map(\.name) == ["job.run.started", "job.run.failed"])
        #expect(await waiting.waitForEnd(timeout: .seconds(2)))
        try await server.stop()
    }

    @Test func heartbeatsArriveAtTheConfiguredInterval() async throws {
        let server = try await TestServer.start { $0.heartbeatSeconds = 0.05 }
        let key = try await server.makeCircle("acme")
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        #expect(await stream.waitForComments(3, timeout: .seconds(5)))
        #expect(String(decoding: stream.raw, as: UTF8.self).contains("\n: ping\n\n"))
        stream.close()
        try await server.stop()
    }

    @Test func resetPastRetention() async throws {
        let server = try await TestServer.start { $0.retentionMaxEvents = 5 }
        let key = try await server.makeCircle("acme")
        for i in 0..<12 { try await server.publish("acme", key: key, #"{"subject":"s.n\#(i)"}"#) }
        let removed = try await RetentionRunner.once(server)
        #expect(removed == 7)
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key), ("Last-Event-ID", "3")])
        #expect(await stream.next()?.name == "connected")
        #expect(await stream.next()?.name == "reset")
        #expect(ids(await stream.events(5)) == Array(8...12))
        stream.close()
        let fresh = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key), ("Last-Event-ID", "9")])
        #expect(await fresh.next()?.name == "connected")
        #expect(ids(await fresh.events(3)) == [10, 11, 12], "no reset when the id is retained")
        fresh.close()
        try await server.stop()
    }

    @Test func revokingAKeyClosesItsStreamsWithinOneSecond() async throws {
        let server = try await TestServer.start()
        let manager = try await server.makeCircle("acme")
        let reader = try await server.makeKey("acme", scopes: ["events:read"])
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", reader)])
        _ = await stream.next()
        let id = String(reader.dropFirst(4).prefix(12))
        #expect(try await server.request(.DELETE, "/api/acme/keys/\(id)", key: manager).status == 204)
        // Timed from the confirmed revocation.
        let start = ContinuousClock.now
        #expect(await stream.waitForEnd(timeout: .seconds(1)))
        #expect(ContinuousClock.now - start < .seconds(1))
        try await server.stop()
    }

    @Test func aClientThatLeavesIsNoticed() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        _ = await stream.next()
        #expect(server.gateway.hub.streamCount == 1)
        stream.close()
        let deadline = ContinuousClock.now + .seconds(3)
        while server.gateway.hub.streamCount > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.gateway.hub.streamCount == 0)
        try await server.stop()
    }

    @Test func shutdownClosesEveryStream() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let streams = [
            try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)]),
            try await SSEClient(url: server.baseURL + "/api/events/acme?events=message", headers: [("X-Api-Key", key)]),
        ]
        for stream in streams { _ = await stream.next() }
        try await server.stop()
        for stream in streams { #expect(await stream.waitForEnd(timeout: .seconds(2))) }
    }

    @Test(arguments: ["line\rbreak", "line\nbreak", "sep\u{2028}arator", "data: forged", "\n\nevent: x\ndata: {}", "nul\u{0}byte"])
    func injectionIsImpossible(text: String) async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        _ = await stream.next()
        let payload = JSONValue.object([("subject", .string("a.b")), ("payload", .object([("text", .string(text))]))])
        #expect(try await server.publish("acme", key: key, payload.jsonText).status == 201)
        #expect(try await server.publish("acme", key: key, #"{"subject":"a.b\nevent: x"}"#).status == 400)
        let events = await stream.events(1)
        #expect(events.count == 1)
        #expect(events.first?.name == "a.b")
        let envelope = try #require(events.first.flatMap { try? JSONValue.parse($0.data) })
        #expect(envelope["payload"]?["text"] == .string(text), "the payload survives intact as JSON")
        let frame = String(decoding: stream.raw, as: UTF8.self).components(separatedBy: "\n\n").first { $0.hasPrefix("id: 1") }
        #expect(frame?.split(separator: "\n", omittingEmptySubsequences: false).count == 3, "id, event, one data line")
        #expect(await stream.next(timeout: .milliseconds(100)) == nil)
        stream.close()
        try await server.stop()
    }
}

/// Runs one pass of the retention service on the test server's store.
enum RetentionRunner {
    static func once(_ server: TestServer) async throws -> Int {
        let service = RetentionService(
            store: server.gateway.store, maximumEvents: server.gateway.configuration.retentionMaxEvents, maximumAge: nil,
            interval: .seconds(60), clock: ContinuousClock(), now: { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) },
            logger: Logger(label: "test"))
        return try await service.applyOnce()
    }
}

@Suite(.timeLimit(.minutes(2))) struct BackpressureTests {
    @Test func aStalledReaderIsCutOffWithoutSlowingOthers() async throws {
        let server = try await TestServer.start { config in
            // Room for one 100-event batch, little more: a reader that stops
            // reading overflows soon after the kernel's buffers are full.
            config.hub.queueFrames = 2000
            config.hub.queueBytes = 1 << 20
        }
        let key = try await server.makeCircle("acme")
        let stalled = try StalledReader(port: server.port, path: "/api/events/acme", headers: [("X-Api-Key", key)])
        let reader = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        _ = await reader.next()
        var deadline = ContinuousClock.now + .seconds(3)
        while server.gateway.hub.streamCount < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.gateway.hub.streamCount == 2)
        let pad = String(repeating: "x", count: 4000)
        let batches = 30
        var received: [SSEParser.Event] = []
        for b in 0..<batches {
            let events = (0..<100).map { i in #"{"subject":"load.b\#(b).e\#(i)","payload":{"pad":"\#(pad)"}}"# }.joined(separator: ",")
            #expect(try await server.publish("acme", key: key, #"{"events":[\#(events)]}"#).status == 201)
            // The reading subscriber keeps up batch by batch; the stalled one never reads.
            received += await reader.events(100, timeout: .seconds(10))
        }
        #expect(received.count == batches * 100, "the reading subscriber gets everything")
        #expect(received.compactMap { $0.id.flatMap { Int($0) } } == Array(1...(batches * 100)))
        deadline = ContinuousClock.now + .seconds(5)
        while server.gateway.hub.streamCount > 1 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.gateway.hub.streamCount == 1, "the stalled subscriber was closed, its queue bounded")
        stalled.disconnect()
        reader.close()
        try await server.stop()
    }
}
