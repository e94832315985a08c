import Foundation
import NIOHTTP1
import SluiceCore
import SluiceServer
import SluiceTesting
import Testing

/// A test server with webhooks on, a receiver on loopback, and a circle
/// `acme` with a key that may publish, read and manage webhooks.
struct WebhookFixture {
    let server: TestServer
    let receiver: WebhookReceiver
    let key: String

    static let scopes = ["events:read", "events:publish", "webhooks:manage", "keys:manage"]

    static func start(
        retry: [Int] = [5, 300], timeout: Double = 5, allowPrivate: Bool = true, configure: (inout SluiceConfiguration) -> Void = { _ in }
    ) async throws -> WebhookFixture {
        let server = try await TestServer.start { configuration in
            configuration.webhooks.allowPrivateTargets = allowPrivate
            configuration.webhooks.pollSeconds = 0.1
            configuration.webhooks.retrySeconds = retry
            configuration.webhooks.timeoutSeconds = timeout
            configure(&configuration)
        }
        let receiver = try await WebhookReceiver.start()
        let key = try await server.makeCircle("acme", scopes: scopes)
        return WebhookFixture(server: server, receiver: receiver, key: key)
    }

    func stop() async throws {
        try await receiver.stop()
        try await server.stop()
    }

    /// Creates a subscription to `path` of the receiver; returns its id and secret.
    func create(_ path: String, extra: String = "", key: String? = nil) async throws -> (id: String, secret: String) {
        let reply = try await server.request(
            .POST, "/api/acme/webhooks", key: key ?? self.key, body: #"{"url":"\#(receiver.baseURL)\#(path)"\#(extra)}"#)
        guard reply.status == 201, let id = reply.json?["id"]?.stringValue, let secret = reply.json?["secret"]?.stringValue else {
            throw SluiceError.invalidRequest("create: \(reply.status) \(reply.body)")
        }
        return (id, secret)
    }

    /// Publishes one event; returns its id.
    @discardableResult
    func publish(_ subject: String, payload: String = "{}") async throws -> String {
        let reply = try await server.publish("acme", key: key, #"{"subject":"\#(subject)","payload":\#(payload)}"#)
        guard reply.status == 201, let id = reply.json?["ids"]?.arrayValues?.first?.stringValue else {
            throw SluiceError.invalidRequest("publish: \(reply.body)")
        }
        return id
    }

    func deliveries(_ id: String, status: String? = nil) async throws -> [JSONValue] {
        let query = status.map { "?status=\($0)" } ?? ""
        let reply = try await server.request(.GET, "/api/acme/webhooks/\(id)/deliveries\(query)", key: key)
        return reply.json?["deliveries"]?.arrayValues ?? []
    }

    func webhook(_ id: String) async throws -> JSONValue? {
        try await server.request(.GET, "/api/acme/webhooks/\(id)", key: key).json
    }

    /// Waits (bounded) until `check` holds for the deliveries of `id`.
    func waitForDeliveries(_ id: String, timeout: Duration = .seconds(10), _ check: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + timeout
        var last: [JSONValue] = []
        while ContinuousClock.now < deadline {
            last = try await deliveries(id)
            if check(last) { return last }
            try await Task.sleep(for: .milliseconds(30))
        }
        return last
    }
}

/// Runs the reference Standard Webhooks verifier (PyPI `standardwebhooks`)
/// over captured requests; fails the test when python3 or the package is
/// missing, never skips.
enum ReferenceVerifier {
    struct Case {
        let request: WebhookReceiver.Captured
        let secrets: [String]
    }

    static let script = """
        import json, sys
        from standardwebhooks.webhooks import Webhook
        cases = json.load(open(sys.argv[1]))
        for c in cases:
            headers = {"webhook-id": c["id"], "webhook-timestamp": c["timestamp"], "webhook-signature": c["signature"]}
            for secret in c["secrets"]:
                Webhook(secret).verify(c["body"], headers)
        print("verified %d" % len(cases))
        """

    static func verify(_ cases: [Case]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = JSONValue.array(
            cases.map { c in
                .object([
                    ("id", .string(c.request.webhookID ?? "")), ("timestamp", .string(c.request.timestamp ?? "")),
                    ("signature", .string(c.request.signature ?? "")), ("body", .string(c.request.bodyText)),
                    ("secrets", .array(c.secrets.map(JSONValue.string))),
                ])
            })
        let data = directory.appendingPathComponent("cases.json")
        let program = directory.appendingPathComponent("verify.py")
        try json.jsonText.write(to: data, atomically: true, encoding: .utf8)
        try script.write(to: program, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", program.path, data.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw SluiceError.unavailable("the reference verifier failed (is `python3 -m pip install standardwebhooks` done?): \(text)")
        }
        return text
    }
}
