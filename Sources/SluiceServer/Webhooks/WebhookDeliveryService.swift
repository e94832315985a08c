import AsyncHTTPClient
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceCrypto
import SluiceHub
import SluiceStore

/// Delivers webhooks (contract section 10). Each pass, at most one poll
/// interval apart, reads the subscriptions from the store (so changes made
/// offline arrive within one pass), turns newly committed events into
/// pending deliveries by moving each subscription's cursor over the log, and
/// starts the deliveries that are due. Everything pending is in the store,
/// so a restart, even after `kill -9`, picks up where it stopped: delivery
/// is at least once. Attempts run as child tasks, at most
/// `concurrencyPerSubscription` per subscription, so a slow endpoint only
/// ever holds its own slots. On a shared store each subscription is
/// scanned and delivered by one node at a time, the holder of its lease
/// (`WebhookLeases`); when that node dies its lease expires and another
/// node takes over from the deliveries pending in the store.
public struct WebhookDeliveryService<C: Clock>: Service where C.Duration == Duration {
    let store: any EventStore
    let policies: PolicyStore
    let settings: WebhookSettings
    let clock: C
    let now: @Sendable () -> Timestamp
    let jitter: @Sendable () -> Double
    let logger: Logger
    let metrics: WebhookMetrics
    let leases: WebhookLeases

    /// Events read from the log per subscription and pass.
    static var scanPage: Int { 500 }

    public init(
        store: any EventStore, policies: PolicyStore, settings: WebhookSettings, clock: C, now: @escaping @Sendable () -> Timestamp,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }, logger: Logger, metrics: WebhookMetrics = WebhookMetrics(),
        holder: String? = nil
    ) {
        self.leases = WebhookLeases(store: store, holder: holder, now: now)
        self.store = store
        self.policies = policies
        self.settings = settings
        self.clock = clock
        self.now = now
        self.jitter = jitter
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: WebhookSender.clientConfiguration(timeoutSeconds: settings.timeoutSeconds))
        let sender = WebhookSender(client: client, timeout: WebhookSender.amount(settings.timeoutSeconds), now: now)
        let inFlight = InFlightDeliveries()
        let interval = Duration.milliseconds(Int64((settings.pollSeconds * 1000).rounded()))
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                var passes = 0
                while !Task.isCancelledOrShuttingDown {
                    await pass(into: &group, sender: sender, inFlight: inFlight, housekeeping: passes % 20 == 0)
                    passes &+= 1
                    try? await clock.sleep(for: interval)
                }
            }
        }
        await leases.releaseAll()
        try? await client.shutdown()
    }

    /// One pass over every subscription; errors are logged and the next pass tries again.
    func pass(into group: inout DiscardingTaskGroup, sender: WebhookSender, inFlight: InFlightDeliveries, housekeeping: Bool) async {
        do {
            let policySet = policies.snapshot
            var bounds: [CircleID: LogBounds] = [:]
            for hook in try await store.webhooks(in: nil) where hook.enabled {
                guard await leases.holds(hook.id) else { continue }
                let circleBounds: LogBounds
                if let known = bounds[hook.circle] {
                    circleBounds = known
                } else {
                    circleBounds = try await store.bounds(of: hook.circle)
                    bounds[hook.circle] = circleBounds
                }
                try await scan(hook, latest: circleBounds.latest, policies: policySet)
                let busy = inFlight.count(hook.id)
                guard busy < settings.concurrencyPerSubscription else { continue }
                let due = try await store.dueDeliveries(
                    webhook: hook.id, now: now(), limit: settings.concurrencyPerSubscription + busy)
                for delivery in due where inFlight.claim(hook.id, delivery.sequence, limit: settings.concurrencyPerSubscription) {
                    group.addTask {
                        await attempt(delivery, of: hook, sender: sender)
                        inFlight.release(hook.id, delivery.sequence)
                    }
                }
            }
            if housekeeping {
                for (circle, circleBounds) in bounds where circleBounds.trimmedThrough > 0 {
                    _ = try await store.pruneDeliveries(in: circle, through: circleBounds.trimmedThrough)
                }
                metrics.pending(try await store.pendingDeliveriesByCircle())
            }
        } catch {
            logger.error("webhook pass failed", metadata: ["error": "\(type(of: error))"])
        }
    }

    /// Moves the subscription's cursor over events committed since the last
    /// pass, adding a pending delivery for each one its subjects and face
    /// allow. While its face is not defined the cursor waits, so nothing is
    /// skipped because of a policy being edited.
    func scan(_ hook: WebhookRecord, latest: Int64, policies: PolicySet) async throws {
        guard latest > hook.cursor, let face = policies.face(hook.face, for: hook.circle) else { return }
        let events = try await store.events(in: hook.circle, after: hook.cursor, limit: Self.scanPage)
        let through = events.last?.sequence ?? latest
        let matching = events.filter { hook.subjects.matches($0.subject) && face.subjects.matches($0.subject) }.map(\.sequence)
        _ = try await store.recordScan(webhook: hook.id, from: hook.cursor, to: through, sequences: matching, at: now())
    }
}
