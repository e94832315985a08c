import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A webhook endpoint on loopback for tests: a real Hummingbird server that
/// records every request it gets (path, headers, body, arrival) and answers
/// what the test scripted for the path (default 204).
public final class WebhookReceiver: Sendable {
    /// One request as it arrived.
    public struct Captured: Sendable {
        public let path: String
        public let headers: [String: String]
        public let body: [UInt8]
        public let arrivedAt: ContinuousClock.Instant

        public var webhookID: String? { headers["webhook-id"] }
        public var timestamp: String? { headers["webhook-timestamp"] }
        public var signature: String? { headers["webhook-signature"] }
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// A scripted answer.
    public struct Answer: Sendable {
        public let status: Int
        /// A `Retry-After` value to send.
        public let retryAfter: String?
        /// A `Location` to send (redirects).
        public let location: String?
        public let delay: Duration

        public init(status: Int, retryAfter: String? = nil, location: String? = nil, delay: Duration = .zero) {
            self.status = status
            self.retryAfter = retryAfter
            self.location = location
            self.delay = delay
        }
    }

    public let port: Int
    private let box: Box
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, box: Box, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.box = box
        self.group = group
        self.task = task
    }

    /// Starts on `port` (0: a free one).
    public static func start(port requested: Int = 0) async throws -> WebhookReceiver {
        let box = Box()
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            box.record(Captured(path: request.uri.path, headers: headers, body: Array(buffer: body), arrivedAt: .now))
            let answer = box.answer(for: request.uri.path)
            if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
            var fields: HTTPFields = [:]
            if let retryAfter = answer.retryAfter { fields[.retryAfter] = retryAfter }
            if let location = answer.location { fields[.location] = location }
            return Response(status: .init(code: answer.status), headers: fields)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: requested), reuseAddress: true),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
        let receiver = WebhookReceiver(port: port, box: box, group: group, task: task)
        return receiver
    }

    /// Holds the state the route closure and the receiver share.
    final class Box: Sendable {
        let captured = Mutex<[Captured]>([])
        let scripts = Mutex<[String: (queue: [Answer], then: Answer)]>([:])

        func record(_ request: Captured) { captured.withLock { $0.append(request) } }

        func answer(for path: String) -> Answer {
            scripts.withLock { all in
                guard var script = all[path] else { return Answer(status: 204) }
                if script.queue.isEmpty { return script.then }
                let next = script.queue.removeFirst()
                all[path] = script
                return next
            }
        }
    }

    /// Requests to `path` get `answers` in turn, then `then` forever.
    public func script(_ path: String, _ answers: [Answer], then: Answer = Answer(status: 204)) {
        box.scripts.withLock { $0[path] = (answers, then) }
    }

    /// Every request so far, or those to `path`.
    public func requests(_ path: String? = nil) -> [Captured] {
        box.captured.withLock { all in path.map { p in all.filter { $0.path == p } } ?? all }
    }

    /// Waits (bounded) until `count` requests to `path` have arrived; returns them.
    public func wait(for count: Int, at path: String? = nil, timeout: Duration = .seconds(15)) async -> [Captured] {
        let deadline = ContinuousClock.now + timeout
        while requests(path).count < count && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return requests(path)
    }

    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
