import Prometheus

/// The gateway's Prometheus registry and the instruments written to it.
/// Kept per server instance (not bootstrapped globally) so several servers
/// can run in one test process.
public struct SluiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    public let eventsIngested: Prometheus.Counter
    public let requestsRejected: Prometheus.Counter
    public let policyReloads: Prometheus.Counter
    public let policyReloadFailures: Prometheus.Counter
    public let streamsOpened: Prometheus.Counter

    public init() {
        eventsIngested = registry.makeCounter(name: "sluice_events_ingested_total")
        requestsRejected = registry.makeCounter(name: "sluice_auth_rejections_total")
        policyReloads = registry.makeCounter(name: "sluice_policy_reloads_total")
        policyReloadFailures = registry.makeCounter(name: "sluice_policy_reload_failures_total")
        streamsOpened = registry.makeCounter(name: "sluice_streams_opened_total")
    }

    /// The Prometheus text exposition, with the open-stream gauge appended.
    public func exposition(openStreams: Int) -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        var text = String(decoding: buffer, as: UTF8.self)
        text += "# TYPE sluice_streams_open gauge\nsluice_streams_open \(openStreams)\n"
        return text
    }
}
