import Foundation
import NIOCore
import Prometheus
import SluiceCore
import SluiceHub

/// The gateway's Prometheus registry and the instruments written to it.
/// Kept per server instance (not bootstrapped globally) so several servers
/// can run in one test process.
///
/// Labels only ever take values from fixed sets: route templates (never the
/// raw path, so no circle id, token or key id), status classes, error codes,
/// failure reasons, stream kinds. Nothing is labelled by circle: the number of
/// circles is unbounded and each would multiply every series.
public struct SluiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    let eventsIngested: Counter
    let ingestBatches: Counter
    let ingestCommitSeconds: DurationHistogram
    let policyReloads: Counter
    let policyReloadFailures: Counter
    let coalescedFrames: Counter
    let deliveryLagSeconds: DurationHistogram
    /// Connections accepted and not closed yet, counted by the listener's `ConnectionGate`.
    let connectionsOpen: Gauge
    let connectionsRefused: Counter
    let fastPathStreams: Counter
    /// `events_delivered` by kind, made once: it is counted on every write
    /// to a subscriber, where looking the counter up in the registry (its
    /// help text checked, its labels hashed, under a lock) cost more than
    /// counting.
    let deliveredByKind: [StreamKind: Counter]
    /// `streams_opened` and `streams_open_by_kind` by kind, made once for
    /// the same reason: every accepted stream counts in both.
    let openedByKind: [StreamKind: Counter]
    let openByKind: [StreamKind: Gauge]
    let shareTokensLive: Gauge
    let streamsOpenTotal: Gauge

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10),
    ]

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sluice", metricName: metric, unitName: unit, helpText: help)
    }

    static var httpRequests: MetricNameDescriptor {
        name("http_requests", "total", "HTTP requests answered, by route template, method and status class.")
    }
    static var httpDuration: MetricNameDescriptor {
        name(
            "http_request_duration", "seconds", "Time from request head to response head, by route template and method.")
    }
    static var authFailures: MetricNameDescriptor { name("auth_failures", "total", "Requests refused with 401, by reason.") }
    static var rejected: MetricNameDescriptor {
        name("requests_rejected", "total", "Requests answered with a problem+json error, by route template and code.")
    }
    static var streamsOpened: MetricNameDescriptor { name("streams_opened", "total", "Streams opened, by kind.") }
    static var streamsOpenByKind: MetricNameDescriptor { name("streams_open_by_kind", "", "Streams open now, by kind.") }
    static var delivered: MetricNameDescriptor {
        name("events_delivered", "total", "Live event frames handed to stream connections, by stream kind.")
    }
    static var slowClosed: MetricNameDescriptor {
        name(
            "streams_closed_falling_behind", "total", "Streams closed because their reader fell behind the queue limit, by kind.")
    }

    public init() {
        eventsIngested = registry.makeCounter(
            descriptor: Self.name("events_ingested", "total", "Events durably committed, on every ingest path (HTTP and demo)."))
        ingestBatches = registry.makeCounter(descriptor: Self.name("ingest_batches", "total", "Ingest requests acknowledged (201)."))
        ingestCommitSeconds = registry.makeDurationHistogram(
            descriptor: Self.name("ingest_commit", "seconds", "Time from an ingest request's arrival to its durable commit."),
            buckets: Self.latencyBuckets)
        policyReloads = registry.makeCounter(descriptor: Self.name("policy_reloads", "total", "Policy folder loads put in force."))
        policyReloadFailures = registry.makeCounter(
            descriptor: Self.name("policy_reload_failures", "total", "Policy folder loads refused; the previous policy stayed in force."))
        coalescedFrames = registry.makeCounter(
            descriptor: Self.name("progress_coalesced", "total", "Queued progress frames replaced by a newer one for a slow reader."))
        deliveryLagSeconds = registry.makeDurationHistogram(
            descriptor: Self.name("delivery_lag", "seconds", "Time from an event's commit to its frame being handed to a live stream."),
            buckets: Self.latencyBuckets)
        connectionsOpen = registry.makeGauge(descriptor: Self.name("connections", "open", "TCP connections accepted and not yet closed."))
        connectionsRefused = registry.makeCounter(
            descriptor: Self.name("connections_refused", "total", "TCP connections closed at once because the connection cap was reached."))
        fastPathStreams = registry.makeCounter(
            descriptor: Self.name(
                "streams_fast_path", "total", "Public streams served from the listener's event loop, of those counted in streams_opened."))
        shareTokensLive = registry.makeGauge(
            descriptor: Self.name("share_tokens", "live", "Share tokens neither expired nor revoked, read at scrape time."))
        streamsOpenTotal = registry.makeGauge(descriptor: Self.name("streams_open", "", "Streams open now, all kinds."))
        let registry = registry
        deliveredByKind = Self.byKind { registry.makeCounter(descriptor: Self.delivered, labels: [("kind", $0.rawValue)]) }
        openedByKind = Self.byKind { registry.makeCounter(descriptor: Self.streamsOpened, labels: [("kind", $0.rawValue)]) }
        openByKind = Self.byKind { registry.makeGauge(descriptor: Self.streamsOpenByKind, labels: [("kind", $0.rawValue)]) }
        for kind in StreamKind.allCases {
            _ = registry.makeCounter(descriptor: Self.slowClosed, labels: [("kind", kind.rawValue)])
        }
        for reason in AuthFailureReason.allCases { _ = registry.makeCounter(descriptor: Self.authFailures, labels: [("reason", reason.rawValue)]) }
    }

    // MARK: HTTP

    /// One answered request: its route template (`unmatched` when no route
    /// matched), method, status and how long the head took.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let statusClass = "\(min(max(status / 100, 1), 5))xx"
        registry.makeCounter(descriptor: Self.httpRequests, labels: [("route", route), ("method", method), ("status", statusClass)])
            .increment()
        registry.makeDurationHistogram(descriptor: Self.httpDuration, labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets)
            .record(duration)
    }

    /// A problem+json answer.
    func rejected(route: String, code: String) {
        registry.makeCounter(descriptor: Self.rejected, labels: [("route", route), ("code", code)]).increment()
    }

    /// A 401, by why the credential failed.
    public func authFailed(_ reason: AuthFailureReason) {
        registry.makeCounter(descriptor: Self.authFailures, labels: [("reason", reason.rawValue)]).increment()
    }

    // MARK: Ingest

    /// An acknowledged ingest request: its batch and its arrival-to-durable time.
    public func batchCommitted(arrival: ContinuousClock.Instant) {
        ingestBatches.increment()
        ingestCommitSeconds.record(ContinuousClock.now - arrival)
    }

    /// One instrument per stream kind, made once.
    private static func byKind<Instrument>(_ make: (StreamKind) -> Instrument) -> [StreamKind: Instrument] {
        Dictionary(uniqueKeysWithValues: StreamKind.allCases.map { ($0, make($0)) })
    }

    // MARK: Connections and policies

    /// A connection refused over the connection cap (for the listener's cap).
    public func connectionRefused() { connectionsRefused.increment() }

    /// A public stream the listener served itself, without Hummingbird.
    func fastPathStreamOpened() { fastPathStreams.increment() }

    public func policyReloaded() { policyReloads.increment() }

    public func policyReloadFailed() { policyReloadFailures.increment() }

    /// The Prometheus text exposition: figures read now (open streams, live
    /// share tokens, the process), then every instrument.
    public func exposition(openStreams: Int, shareTokensLive live: Int?) -> String {
        streamsOpenTotal.set(to: Double(openStreams))
        if let live { shareTokensLive.set(to: Double(live)) }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        var text = String(decoding: buffer, as: UTF8.self)
        text += ProcessFigures.read().exposition
        return text
    }
}
