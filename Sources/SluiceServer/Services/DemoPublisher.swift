import Logging
import ServiceLifecycle
import SluiceCore
import SluiceHub

/// For the README's first command: publishes a small sales-board run on the
/// demo circle every `interval` (started, progress, completed), so a fresh
/// gateway has a live stream to watch. Only runs with `serve --demo`.
public struct DemoPublisher<C: Clock>: Service where C.Duration == Duration {
    let ingest: IngestPipeline
    let circle: CircleID
    let interval: Duration
    let clock: C
    let logger: Logger

    public init(ingest: IngestPipeline, circle: CircleID, interval: Duration, clock: C, logger: Logger) {
        self.ingest = ingest
        self.circle = circle
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await publishForever() }
    }

    private func publishForever() async throws {
        var run = 0
        var step = 0
        while !Task.isCancelledOrShuttingDown {
            try await clock.sleep(for: interval)
            let invocation = "demo_\(run)"
            let kind = step == 0 ? "started" : (step < 5 ? "progress" : "completed")
            let payload: JSONValue
            switch kind {
            case "progress": payload = .object([("progress", .object([("percent", .number(String(step * 20)))])), ("note", .string("internal"))])
            case "completed": payload = .object([("output", .object([("total", .number(String(run * 10 + 3)))])), ("secret", .string("hidden"))])
            default: payload = .object([("requested_by", .string("demo"))])
            }
            let event = EventInput(
                subject: Subject("sales-board.demo.\(kind)")!, payload: payload, invocationID: invocation,
                actor: EventActor(type: .system, id: "demo"), cache: kind == "completed" ? .apply : .invalidate)
            do { _ = try await ingest.append([event], to: circle) } catch {
                logger.warning("demo publish failed", metadata: ["error": "\(error)"])
            }
            step += 1
            if step > 5 {
                step = 0
                run += 1
            }
        }
    }
}
