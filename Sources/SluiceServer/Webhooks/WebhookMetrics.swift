import CoreMetrics
import Metrics
import SluiceCore

/// The delivery service's instruments, on swift-metrics (the process's
/// metrics backend exports them): deliveries by result, attempts, the
/// latency of each attempt, and pending deliveries per circle.
public struct WebhookMetrics: Sendable {
    public init() {}

    /// A delivery reached an end (`succeeded`, `failed`) or was retried (`retried`).
    public func delivery(_ result: String) {
        Counter(label: "sluice_webhook_deliveries_total", dimensions: [("result", result)]).increment()
    }

    /// One attempt, with how long it took.
    public func attempt(duration: Duration) {
        Counter(label: "sluice_webhook_attempts_total").increment()
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        Metrics.Timer(label: "sluice_webhook_delivery_duration_seconds").recordNanoseconds(nanoseconds)
    }

    public func pending(_ counts: [CircleID: Int]) {
        for (circle, count) in counts {
            Gauge(label: "sluice_webhook_deliveries_pending", dimensions: [("circle", circle.rawValue)]).record(count)
        }
    }
}
