import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceHub
@testable import SluiceServer

/// Every setting that shapes a service, at its extremes: the gateway starts,
/// serves and stops. A service that returns early would end the whole group
/// (and with it every other service); a wait without a cancellation handler
/// would hold the stop up forever.
@Suite struct ServiceLifetimeTests {
    /// Runs `body` with a deadline; false when it did not finish in time.
    func finishes(within limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await body()) != nil }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    static let extremes: [(String, @Sendable (inout SluiceConfiguration) -> Void)] = [
        (
            "retention off",
            {
                $0.retentionMaxEvents = nil; $0.retentionMaxAgeSeconds = nil
            }
        ),
        (
            "max events 1",
            {
                $0.retentionMaxEvents = 1; $0.retentionIntervalSeconds = 0.01
            }
        ),
        (
            "max events huge",
            {
                $0.retentionMaxEvents = Int.max; $0.retentionIntervalSeconds = 0.01
            }
        ),
        (
            "max age 1 s",
            {
                $0.retentionMaxAgeSeconds = 1; $0.retentionIntervalSeconds = 0.01
            }
        ),
        (
            "max age huge",
            {
                $0.retentionMaxAgeSeconds = Int.max; $0.retentionMaxEvents = nil; $0.retentionIntervalSeconds = 0.01
            }
        ),
        ("interval huge", { $0.retentionIntervalSeconds = 1_000_000_000 }),
        ("heartbeat tiny", { $0.heartbeatSeconds = 0.001 }),
        ("heartbeat huge", { $0.heartbeatSeconds = 1_000_000_000 }),
        (
            "polls huge",
            {
                $0.policyPollSeconds = 1_000_000_000; $0.keyRefreshSeconds = 1_000_000_000
            }
        ),
    ]

    @Test(arguments: 0..<extremes.count)
    func theGatewayStartsServesAndStops(index: Int) async throws {
        let (name, configure) = Self.extremes[index]
        let server = try await TestServer.start(configure: configure)
        let key = try await server.makeCircle("acme")
        #expect(try await server.request(.GET, "/healthz").status == 200, "\(name)")
        #expect(try await server.publish("acme", key: key, #"{"subject":"a.b.started","invocation_id":"i1"}"#).status == 201, "\(name)")
        let stream = try await SSEClient(url: server.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
        #expect(stream.status == 200, "\(name)")
        #expect(try await server.request(.GET, "/healthz").status == 200, "\(name): still serving")
        #expect(await finishes(within: .seconds(20)) { try await server.stop() }, "\(name): stops")
        stream.close()
    }

    @Test func retentionOffKeepsRunningUntilShutdown() async throws {
        let server = try await TestServer.start { $0.retentionMaxEvents = nil }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await server.request(.GET, "/healthz").status == 200)
        #expect(await finishes(within: .seconds(20)) { try await server.stop() })
    }

    /// A service that ignores graceful shutdown (here: a wait that only
    /// cancellation ends) is cancelled after the grace period, so a stop
    /// (SIGTERM) always ends the process.
    @Test func aServiceThatIgnoresShutdownIsCancelledAfterTheGracePeriod() async throws {
        let server = try await TestServer.start(extraServices: [DeafService()], shutdownGrace: .milliseconds(300))
        #expect(try await server.request(.GET, "/healthz").status == 200)
        let started = ContinuousClock.now
        #expect(await finishes(within: .seconds(20)) { try await server.stop() })
        #expect(ContinuousClock.now - started < .seconds(15), "stopped after the grace period, not after the deaf service's 60 s")
    }

    @Test func aCancelledIngestPipelineEnds() async throws {
        let server = try await TestServer.start()
        let pipeline = IngestPipeline(
            store: server.gateway.store, hub: server.gateway.hub, now: { Timestamp(milliseconds: 0) }, logger: Logger(label: "test"))
        let running = Task { try await pipeline.run() }
        try await Task.sleep(for: .milliseconds(50))
        running.cancel()
        #expect(await finishes(within: .seconds(10)) { try await running.value })
        try await server.stop()
    }

    @Test func theRetentionCutoffSaturates() {
        #expect(RetentionService<ContinuousClock>.cutoff(now: 10_000, age: .seconds(3)) == 7_000)
        #expect(RetentionService<ContinuousClock>.cutoff(now: 10_000, age: .seconds(Int64.max)) == Int64.min)
        #expect(RetentionService<ContinuousClock>.cutoff(now: Int64.min + 1, age: .seconds(1)) == Int64.min)
    }
}

/// Waits 60 s whatever graceful shutdown says; only cancellation ends it.
private struct DeafService: Service {
    func run() async throws {
        do { try await Task.sleep(for: .seconds(60)) } catch {}
    }
}
