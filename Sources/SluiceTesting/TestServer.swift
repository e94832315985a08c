import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SluiceClient
import SluiceCore
import SluiceServer
import SluiceStorage
import Synchronization

/// A real Sluice server on a free loopback port, with its own temporary
/// database and policy folder, a wall clock the test can move, and every log
/// line captured. Integration tests talk to it with a real HTTP client.
public final class TestServer: Sendable {
    public let port: Int
    public let gateway: Gateway
    public let adminKey: String
    public let directory: URL
    public let clock: ManualWallClock
    public let logs: LogCapture
    /// The server's connection cap and counts.
    public let connections: ConnectionGate
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// The default test policy: `member` sees everything, `public-widget`
    /// sees totals and progress of `sales-board` elements.
    public static let defaultPolicy = """
        version: 1
        circles: ["*"]
        faces:
          member:
            subjects: [">"]
            fields: ["**"]
          public-widget:
            subjects: ["sales-board.*.completed", "sales-board.*.progress"]
            fields: ["payload.output.total", "payload.progress.percent", "actor.type"]
        """

    /// Starts a server. `configure` adjusts the configuration before start:
    /// `$0.database = url` with a `PostgresCluster` database URL starts a
    /// node on it, and several servers on one URL are several nodes (each
    /// installs its own admin key, as `SLUICE_ADMIN_KEY` does).
    public static func start(
        policies: [String: String] = ["default.yaml": defaultPolicy],
        directory existing: URL? = nil,
        extraServices: [any Service] = [],
        shutdownGrace: Duration = SluiceServer.shutdownGrace,
        configure: (inout SluiceConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let directory = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(UUID().uuidString)")
        let policyDirectory = directory.appendingPathComponent("policies")
        try FileManager.default.createDirectory(at: policyDirectory, withIntermediateDirectories: true)
        if existing == nil {
            for (name, text) in policies {
                try text.write(to: policyDirectory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        var generator = SystemRandomNumberGenerator()
        let admin = APIKeyToken.generate(using: &generator)
        var configuration = SluiceConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.database = "sqlite:\(directory.appendingPathComponent("sluice.db").path)"
        configuration.policies = policyDirectory.path
        configuration.adminKey = admin
        configuration.policyPollSeconds = 0.1
        configuration.keyRefreshSeconds = 0.2
        configure(&configuration)

        let logs = LogCapture()
        let logFormat = configuration.logFormat
        var logger = Logger(label: "sluice-test") { label -> any LogHandler in
            guard logFormat == "json" else { return CapturingLogHandler(capture: logs) }
            return JSONLogHandler(label: label) { logs.append($0) }
        }
        logger.logLevel = .debug
        let clock = ManualWallClock()
        let store = try await StorageEngine.open(configuration.database, options: configuration.databaseOptions, logger: logger)
        let gateway: Gateway
        do {
            gateway = try await Gateway.make(configuration: configuration, store: store, logger: logger, now: { clock.now() }) { _ in }
        } catch {
            await store.shutdown()
            throw error
        }
        let server = SluiceServer(gateway: gateway)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let group = server.makeServiceGroup(
            clock: ContinuousClock(), gracefulShutdownSignals: [], extraServices: extraServices, shutdownGrace: shutdownGrace
        ) { port in
            continuation.yield(port)
        }
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            await store.shutdown()
            throw SluiceError.unavailable("the test server did not start")
        }
        return TestServer(
            port: port, gateway: gateway, adminKey: admin.text, directory: directory, clock: clock, logs: logs,
            connections: server.connections, group: group, task: task)
    }

    private init(
        port: Int, gateway: Gateway, adminKey: String, directory: URL, clock: ManualWallClock, logs: LogCapture,
        connections: ConnectionGate, group: ServiceGroup, task: Task<Void, any Error>
    ) {
        self.connections = connections
        self.port = port
        self.gateway = gateway
        self.adminKey = adminKey
        self.directory = directory
        self.clock = clock
        self.logs = logs
        self.group = group
        self.task = task
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Graceful shutdown; waits for every service to stop, then closes the
    /// store (PostgreSQL's pool and listener end with it).
    public func stop(removeFiles: Bool = true) async throws {
        await group.triggerGracefulShutdown()
        // A stop that takes long says what the services were doing last
        // (the group escalates to cancellation after its grace period).
        let logs = self.logs
        let port = self.port
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            let tail = logs.all.suffix(60).joined(separator: "\n")
            FileHandle.standardError.write(Data("TestServer on port \(port) still stopping after 20 s; its last log lines:\n\(tail)\n".utf8))
        }
        let outcome = await task.result
        watchdog.cancel()
        await gateway.store.shutdown()
        if removeFiles { try? FileManager.default.removeItem(at: directory) }
        try outcome.get()
    }

    // MARK: Requests

    /// A response read whole.
    public struct Reply: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: String
        public var json: JSONValue? { try? JSONValue.parse(body) }
        public var code: String? { json?["code"]?.stringValue }
    }

    public func request(
        _ method: HTTPMethod, _ path: String, key: String? = nil, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "X-Api-Key", value: key) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 32 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// Creates a circle and a key in it with `scopes`; returns the key.
    public func makeCircle(
        _ circle: String, scopes: [String] = ["events:read", "events:publish", "share:manage", "keys:manage"],
        extra: String = ""
    ) async throws -> String {
        let created = try await request(.POST, "/api/circles", key: adminKey, body: #"{"id":"\#(circle)"}"#)
        guard created.status == 201 || created.code == "circle_exists" else { throw SluiceError.invalidRequest("circle: \(created.body)") }
        return try await makeKey(circle, scopes: scopes, extra: extra)
    }

    public func makeKey(_ circle: String, scopes: [String], extra: String = "", using key: String? = nil) async throws -> String {
        let list = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try await request(.POST, "/api/\(circle)/keys", key: key ?? adminKey, body: #"{"scopes":[\#(list)]\#(extra)}"#)
        guard reply.status == 201, let text = reply.json?["key"]?.stringValue else { throw SluiceError.invalidRequest("key: \(reply.body)") }
        return text
    }

    /// Publishes one event object or batch body; returns the reply.
    @discardableResult
    public func publish(_ circle: String, key: String, _ body: String) async throws -> Reply {
        try await request(.POST, "/api/\(circle)/events", key: key, body: body)
    }
}

extension TestServer {
    /// A `SluiceClient` for this server, with the admin key unless another is given.
    public func client(key: String? = nil, retry: RetryPolicy = RetryPolicy()) -> SluiceClient {
        SluiceClient(baseURL: baseURL, key: key ?? adminKey, retry: retry)
    }
}
