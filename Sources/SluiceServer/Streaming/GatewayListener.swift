import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The gateway's listening socket. Hummingbird's `Server` gives every
/// accepted connection an async channel and a Swift task before its first
/// byte is read; a public stream served from memory needs neither. Here each
/// connection starts with a `ConnectionRouter` on its event loop, which serves
/// such a stream in place and hands every other connection to Hummingbird's
/// child channel (`inner`): its pipeline, its request loop in a task of this
/// service's task group, its routes and its WebSocket upgrade, unchanged.
final class GatewayListener<Inner: ServerChildChannel>: Service, Sendable {
    private let inner: Inner
    private let host: String
    private let port: Int
    private let gateway: Gateway
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let gate: ConnectionGate
    private let onRunning: @Sendable (Int) async -> Void

    init(
        inner: Inner, host: String, port: Int, gateway: Gateway, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        gate: ConnectionGate, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
    ) {
        self.inner = inner
        self.gate = gate
        self.host = host
        self.port = port
        self.gateway = gateway
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onRunning = onRunning
    }

    /// How much each connection reads at once. NIO keeps the receive
    /// buffers a connection used (up to one per read of an event-loop
    /// turn) for its next reads, so an idle stream holds them for as long
    /// as it is open: NIO's default first buffer (2 KiB) was a third of an
    /// idle public stream's memory. The first read takes 1 KiB, which holds
    /// a plain stream request with its share token (about 560 bytes) in one
    /// read (512 bytes took two reads and 10 % more CPU per connection); a
    /// connection that sends more (a browser's longer head, pipelined
    /// ingest) doubles its buffer on every full read, up to 64 KiB, as with
    /// NIO's default. A stream served by the listener then keeps only the
    /// first (`ConnectionRouter.start`).
    static var receiveBuffers: AdaptiveRecvByteBufferAllocator {
        AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65_536)
    }

    func run() async throws {
        let (handedOver, continuation) = AsyncStream.makeStream(of: Inner.Value.self)
        let quiescing = ServerQuiescingHelper(group: eventLoopGroup)
        let inner = self.inner
        let gateway = self.gateway
        let logger = self.logger
        let gate = self.gate
        let deadlines = HeadDeadlines.Registry(
            group: eventLoopGroup, timeout: HeadDeadlines.timeout(seconds: gateway.configuration.requestHeadTimeoutSeconds))
        let handOver: ConnectionRouter.HandOver = { channel in
            inner.setup(channel: channel, logger: logger).flatMapThrowing { value -> Void in
                // HTTP/1.0 requests are answered as HTTP/1.0.
                try HTTP10ResponseFraming.add(to: channel)
                // After shutdown nothing takes connections any more.
                if case .terminated = continuation.yield(value) { channel.close(promise: nil) }
            }
        }
        gate.sizeDescriptorTable()
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Up to 16 connections accepted per wake-up rather than NIO's 4:
            // a burst of viewers costs fewer event-loop turns.
            .serverChannelOption(.maxMessagesPerRead, value: 16)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { channel in
                guard gate.admit(channel, gauge: gateway.metrics.connectionsOpen) else {
                    // Over the cap: closed before a byte is read.
                    gateway.metrics.connectionRefused()
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    // Set here rather than as bootstrap child options, which
                    // NIO applies one future at a time.
                    guard let options = channel.syncOptions else { throw ChannelError.operationUnsupported }
                    try options.setOption(.allowRemoteHalfClosure, value: true)
                    try options.setOption(.recvAllocator, value: Self.receiveBuffers)
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionRouter(gateway: gateway, logger: logger, deadlines: deadlines, handOver: handOver))
                }
            }
            .bind(host: host, port: port).get()
        let drained = server.eventLoop.makePromise(of: Void.self)
        drained.futureResult.whenComplete { _ in continuation.finish() }
        logger.info("listening", metadata: ["address": "\(host):\(server.localAddress?.port ?? port)"])
        await onRunning(server.localAddress?.port ?? port)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for await value in handedOver {
                        group.addTask { await inner.handle(value: value, logger: logger) }
                    }
                }
            } onGracefulShutdown: {
                // Stops accepting, asks every connection to finish, and
                // completes once they all have.
                quiescing.initiateShutdown(promise: drained)
            }
        } onCancel: {
            server.close(promise: nil)
            continuation.finish()
        }
    }
}

extension GatewayListener where Inner: HTTPChannelHandler {
    /// The responder Hummingbird's `Application` would build around `router`:
    /// each request gets a context on its channel; an error that escapes the
    /// middleware is a bare 500.
    static func responder(router: Router<SluiceRequestContext>, logger: Logger) -> HTTPChannelHandler.Responder {
        let responder = router.buildResponder()
        return { request, responseWriter, channel in
            let context = SluiceRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = HTTPDate.now()
            try await responseWriter.write(response: response.head, body: response.body)
        }
    }
}

/// The `Date` header value (IMF-fixdate), formatted at most once a second.
enum HTTPDate {
    private struct Cache: ~Copyable {
        var second = -1
        var value = ""
        let formatter: DateFormatter = {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return formatter
        }()
    }

    private static let cache = Mutex(Cache())

    static func now() -> String {
        let date = Date()
        let second = Int(date.timeIntervalSince1970)
        return cache.withLock { cache in
            if cache.second != second {
                cache.second = second
                cache.value = cache.formatter.string(from: date)
            }
            return cache.value
        }
    }
}
