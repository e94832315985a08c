import Foundation
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOExtras
import NIOHTTP1
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceServer

/// The first handler of every connection: public streams served on the event
/// loop, everything else handed to Hummingbird exactly as the client sent it.
@Suite struct ConnectionRouterTests {
    /// Stands in for Hummingbird's child channel: records what it is given.
    struct RecordingChildChannel: ServerChildChannel {
        struct Value: ServerChildChannelValue {
            let channel: any Channel
        }

        final class Recorder: ChannelInboundHandler, Sendable {
            typealias InboundIn = ByteBuffer
            let bytes = NIOLockedValueBox(ByteBuffer())
            let events = NIOLockedValueBox<[String]>([])

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                var buffer = unwrapInboundIn(data)
                bytes.withLockedValue { _ = $0.writeBuffer(&buffer) }
            }

            func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
                if let event = event as? ChannelEvent, event == .inputClosed { events.withLockedValue { $0.append("inputClosed") } }
            }
        }

        let recorder = Recorder()

        func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(recorder)
                return Value(channel: channel)
            }
        }

        func handle(value: Value, logger: Logger) async {}

        var received: String { recorder.bytes.withLockedValue { String(buffer: $0) } }
        var events: [String] { recorder.events.withLockedValue { $0 } }
    }

    /// An active embedded connection whose first handler is a router.
    func connection(_ server: TestServer) throws -> (EmbeddedChannel, RecordingChildChannel, NIOLockedValueBox<Int>) {
        let inner = RecordingChildChannel()
        let handedOff = NIOLockedValueBox(0)
        let logger = Logger(label: "test")
        let router = ConnectionRouter(gateway: server.gateway, logger: logger) { channel in
            inner.setup(channel: channel, logger: logger).map { _ in handedOff.withLockedValue { $0 += 1 } }
        }
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(router)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, inner, handedOff)
    }

    func feed(_ channel: EmbeddedChannel, _ pieces: String...) throws {
        for piece in pieces {
            try channel.writeInbound(ByteBuffer(string: piece))
            channel.embeddedEventLoop.run()
        }
    }

    func routerIsGone(_ channel: EmbeddedChannel) -> Bool {
        (try? channel.pipeline.syncOperations.context(handlerType: ConnectionRouter.self)) == nil
    }

    func mint(_ server: TestServer, key: String) async throws -> String {
        let reply = try await server.request(
            .POST, "/api/acme/_share/mint", key: key, body: #"{"element":"sales-board","purpose":"public-widget"}"#)
        return try #require(reply.json?["token"]?.stringValue)
    }

    /// The first viewers of a new widget all open on the fast path, however
    /// many arrive at once: its token is checked there, not by the route.
    @Test func viewersArrivingTogetherWithANewTokenAreAllServedOnTheFastPath() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let token = try await mint(server, key: key)
        let before = try await MetricsScrape.of(server).value("sluice_streams_fast_path_total") ?? 0
        let connections = try await openViewers(20, port: server.port, circle: "acme", token: token)
        #expect(try await MetricsScrape.of(server).value("sluice_streams_fast_path_total") == before + 20)
        for connection in connections { connection.disconnect() }
        try await server.stop()
    }

    /// The listener's routers on one loop share one queue of head deadlines:
    /// each connection is closed at its own deadline, in the order they
    /// started, and one whose head came in time is not.
    @Test func connectionsOnOneLoopAreClosedEachAtItsOwnHeadDeadline() async throws {
        let server = try await TestServer.start()
        // Synchronous, so that the embedded loop and its channels are made,
        // used and released on one thread.
        try expectEachClosedAtItsOwnHeadDeadline(gateway: server.gateway)
        try await server.stop()
    }

    private func expectEachClosedAtItsOwnHeadDeadline(gateway: Gateway) throws {
        let loop = EmbeddedEventLoop()
        let registry = HeadDeadlines.Registry(group: loop, timeout: .seconds(1))
        let logger = Logger(label: "test")
        let inner = RecordingChildChannel()
        func open() throws -> EmbeddedChannel {
            let router = ConnectionRouter(gateway: gateway, logger: logger, deadlines: registry) { channel in
                inner.setup(channel: channel, logger: logger).map { _ in }
            }
            let channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(router)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            return channel
        }
        let first = try open()
        loop.advanceTime(by: .milliseconds(400))
        let served = try open()
        let second = try open()
        try served.writeInbound(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: a\r\n\r\n"))
        loop.run()
        #expect(registry.deadlines(on: loop)?.count == 2)
        loop.advanceTime(by: .milliseconds(599))
        #expect(first.isActive && second.isActive)
        loop.advanceTime(by: .milliseconds(1))
        #expect(!first.isActive, "closed at its deadline")
        #expect(second.isActive && served.isActive)
        loop.advanceTime(by: .milliseconds(400))
        #expect(!second.isActive, "closed at its own, later deadline")
        #expect(served.isActive, "its head came in time")
        #expect(registry.deadlines(on: loop)?.count == 0)
        _ = try? served.finish()
        try loop.syncShutdownGracefully()
    }

    @Test func otherRequestsReachHummingbirdByteForByteWhateverTheyAreSplitInto() async throws {
        let server = try await TestServer.start()
        let requests = "GET /health HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
        for split in [1, 3, 5, requests.utf8.count] {
            let (channel, inner, handedOff) = try connection(server)
            let bytes = Array(requests.utf8)
            let pieces = stride(from: 0, to: bytes.count, by: split).map { String(decoding: bytes[$0..<min($0 + split, bytes.count)], as: UTF8.self) }
            for piece in pieces { try feed(channel, piece) }
            #expect(inner.received == requests, "split \(split)")
            #expect(handedOff.withLockedValue { $0 } == 1)
            #expect(routerIsGone(channel))
            _ = try? channel.finish()
        }
        try await server.stop()
    }

    @Test func aPublicStreamTheFastPathCannotServeIsReplayedWhole() async throws {
        let server = try await TestServer.start()
        // A token never seen before is verified by the route, not here; so is a resume.
        for request in [
            "GET /api/public/events/acme?t=unseen HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /api/public/events/acme?t=unseen HTTP/1.0\r\n\r\n",
            "GET /api/public/events/acme HTTP/1.1\r\nLast-Event-ID: x\r\n\r\n",
            "GET /api/public/events/acme HTTP/1.1\r\nBad Header\r\n\r\n",
        ] {
            let (channel, inner, handedOff) = try connection(server)
            let bytes = Array(request.utf8)
            // The prefix completes in the second piece, the head in the
            // third; a second request follows.
            try channel.writeInbound(ByteBuffer(bytes: bytes[0..<10]))
            try channel.writeInbound(ByteBuffer(bytes: bytes[10..<(bytes.count - 2)]))
            try channel.writeInbound(ByteBuffer(bytes: bytes[(bytes.count - 2)...]))
            try channel.writeInbound(ByteBuffer(string: "GET /health HTTP/1.1\r\n\r\n"))
            channel.embeddedEventLoop.run()
            #expect(inner.received == request + "GET /health HTTP/1.1\r\n\r\n", "\(request)")
            #expect(handedOff.withLockedValue { $0 } == 1)
            #expect(routerIsGone(channel))
            #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing is answered here")
            _ = try? channel.finish()
        }
        try await server.stop()
    }

    @Test func aHalfCloseBeforeTheRequestLineEndsIsPassedOn() async throws {
        let server = try await TestServer.start()
        for partial in ["GET /api/pub", "GET /api/public/events/acme?t=x HTTP/1.1\r\nHost"] {
            let (channel, inner, _) = try connection(server)
            try feed(channel, partial)
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            channel.embeddedEventLoop.run()
            #expect(inner.received == partial)
            #expect(inner.events == ["inputClosed"])
            _ = try? channel.finish()
        }
        try await server.stop()
    }

    @Test func aShutdownClosesConnectionsStillSendingTheirRequest() async throws {
        let server = try await TestServer.start()
        for partial in ["GET /api/pub", "GET /api/public/events/acme?t=x HTTP/1.1\r\nHo"] {
            let (channel, inner, handedOff) = try connection(server)
            try feed(channel, partial)
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            channel.embeddedEventLoop.run()
            #expect(!channel.isActive, "\(partial)")
            #expect(inner.received.isEmpty && handedOff.withLockedValue { $0 } == 0)
        }
        try await server.stop()
    }

    @Test func aStreamWithAKnownTokenIsServedInPlace() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let token = try await mint(server, key: key)
        // The first stream verifies the token (through the route).
        let first = try await SSEClient(url: server.baseURL + "/api/public/events/acme?t=\(token)")
        #expect(first.status == 200)
        let (channel, inner, handedOff) = try connection(server)
        // A byte at a time: the end of the head is found across reads.
        for byte in "GET /api/public/events/acme?t=\(token) HTTP/1.1\r\nHost: a\r\nOrigin: https://x.example\r\n\r\n".utf8 {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        channel.embeddedEventLoop.run()
        #expect(handedOff.withLockedValue { $0 } == 0)
        #expect(inner.received.isEmpty)
        #expect(!routerIsGone(channel), "the router serves the stream itself")
        // What the client sends from now on is not looked at.
        try feed(channel, "GET /health HTTP/1.1\r\n\r\n")
        #expect(inner.received.isEmpty && handedOff.withLockedValue { $0 } == 0)
        var text = ""
        while let written = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: written) }
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        let lines = text.components(separatedBy: "\r\n")
        for expected in [
            "Content-Type: text/event-stream", "Cache-Control: no-cache", "X-Accel-Buffering: no", "Connection: close",
            "Access-Control-Allow-Origin: *", "transfer-encoding: chunked",
        ] {
            #expect(lines.contains { $0.caseInsensitiveCompare(expected) == .orderedSame }, "\(expected)")
        }
        #expect(text.contains("event: connected"))
        // Shutting down ends the stream with the last chunk, then the connection.
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.run()
        var rest = ""
        while let more = try channel.readOutbound(as: ByteBuffer.self) { rest += String(buffer: more) }
        #expect(rest.hasSuffix("0\r\n\r\n"))
        #expect(!channel.isActive)
        first.close()
        try await server.stop()
    }

    /// A second stream with the same token is served in place (it does not
    /// reach the routes' access log) and reads exactly like the first.
    @Test func streamsServedInPlaceAndByTheRouteReadAlike() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let token = try await mint(server, key: key)
        let url = server.baseURL + "/api/public/events/acme?t=\(token)"
        let routed = try await SSEClient(url: url, headers: [("Origin", "https://x.example")])
        let inPlace = try await SSEClient(url: url, headers: [("Origin", "https://x.example")])
        let served = server.logs.all.filter { $0.contains("request") && $0.contains("path=/api/public/events/acme") }
        #expect(served.count == 1, "only the first stream went through the routes")
        func fields(_ client: SSEClient) -> [String] {
            client.headers.filter { !["date", "x-request-id"].contains($0.name.lowercased()) }.map { "\($0.name.lowercased()): \($0.value)" }.sorted()
        }
        #expect(fields(routed) == fields(inPlace))
        #expect(routed.headers["Date"].count == 1 && inPlace.headers["Date"].count == 1)
        // Both carry a generated request id of the same shape, a different one each.
        let ids = [routed, inPlace].compactMap { $0.headers["X-Request-Id"].count == 1 ? $0.headers["X-Request-Id"].first : nil }
        #expect(ids.count == 2 && ids[0] != ids[1])
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } })
        try await server.publish("acme", key: key, #"{"subject":"sales-board.b1.started","invocation_id":"i1"}"#)
        try await server.publish(
            "acme", key: key,
            #"{"subject":"sales-board.b1.completed","invocation_id":"i1","payload":{"output":{"total":3},"customer":"Alice"}}"#)
        let a = await routed.events(1)
        let b = await inPlace.events(1)
        #expect(a.map(\.name) == ["sales-board.b1.completed"])
        #expect(a.map(\.name) == b.map(\.name))
        #expect(a.last?.data == b.last?.data)
        #expect(a.last?.id == b.last?.id)
        #expect(!String(decoding: inPlace.raw, as: UTF8.self).contains("Alice"))
        routed.close()
        inPlace.close()
        // Once revoked, the same URL opens nothing, in place or not.
        let jti = try #require(server.gateway.shares.cachedRecord(token, circle: CircleID("acme")!, now: server.clock.now())?.jti)
        #expect(try await server.request(.DELETE, "/api/acme/_share/\(jti)", key: key).status == 204)
        let refused = try await SSEClient(url: url, headers: [("Origin", "https://x.example")])
        #expect(refused.status == 401)
        try await server.stop()
    }
}
