import Foundation
import Logging
import SluiceCore
import SluiceTesting
import Synchronization
import Testing
import WSClient

/// `GET /api/events/{circle}/ws`: the same envelopes, one per text message.
@Suite struct WebSocketTests {
    final class Received: Sendable {
        let messages = Mutex<[String]>([])
    }

    @Test func envelopesArriveOnePerTextMessage() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        try await server.publish("acme", key: key, #"{"subject":"ws.a","payload":{"text":"line\nbreak"}}"#)
        try await server.publish("acme", key: key, #"{"subject":"ws.b"}"#)
        let received = Received()
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders = [.init("X-Api-Key")!: key]
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(server.port)/api/events/acme/ws?last_event_id=0", configuration: configuration,
            logger: Logger(label: "ws-test")
        ) { inbound, _, _ in
            var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            for _ in 0..<2 {
                guard case .text(let text) = try await iterator.next() else { return }
                received.messages.withLock { $0.append(text) }
            }
            try await server.publish("acme", key: key, #"{"subject":"ws.c"}"#)
            if case .text(let text) = try await iterator.next() { received.messages.withLock { $0.append(text) } }
        }
        let messages = received.messages.withLock { $0 }.compactMap { try? JSONValue.parse($0) }
        #expect(messages.map { $0["subject"] } == [.string("ws.a"), .string("ws.b"), .string("ws.c")])
        #expect(messages.first?["payload"]?["text"] == .string("line\nbreak"))
        #expect(messages.map { $0["id"] } == [.string("1"), .string("2"), .string("3")])
        try await server.stop()
    }

    @Test func anUnauthorizedUpgradeIsRefused() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let publisherOnly = try await server.makeKey("acme", scopes: ["events:publish"])
        #expect(try await server.request(.GET, "/api/events/acme/ws").status == 401)
        #expect(try await server.request(.GET, "/api/events/acme/ws", key: publisherOnly).status == 403)
        #expect(try await server.request(.GET, "/api/events/acme/ws", key: key).status == 400, "no upgrade asked for")
        await #expect(throws: (any Error).self) {
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/api/events/acme/ws", logger: Logger(label: "ws-test")) { _, _, _ in
            }
        }
        try await server.stop()
    }
}
