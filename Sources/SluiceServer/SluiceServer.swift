import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import SluiceCore
import SluiceCrypto
import SluiceHub
import UnixSignals

/// The running gateway: the Hummingbird application and every long-running
/// job as a `Service` in one `ServiceGroup`. Shutdown closes the streams
/// first (so the HTTP server can drain), then the server, then ingest.
public struct SluiceServer: Sendable {
    public let gateway: Gateway
    /// The cap on open connections, and how many were refused (for metrics).
    public let connections: ConnectionGate

    public init(gateway: Gateway) {
        self.gateway = gateway
        self.connections = ConnectionGate(limit: gateway.configuration.maxConnections)
    }

    /// Headers up to 256 KiB reach the routes, so an oversized token is
    /// refused by authentication (401) rather than by the parser.
    static let maxHeaderFieldSize = 256 * 1024
    static let maxHeaderListSize = 512 * 1024

    /// The router with every route of the contract.
    public func makeRouter() -> Router<SluiceRequestContext> {
        let router = Router(context: SluiceRequestContext.self)
        let routeMethods = RouteMethods()
        router.add(middleware: RequestObservation(gateway: gateway))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(routes: routeMethods))
        router.add(middleware: CredentialCatchUpMiddleware(gateway: gateway))
        SystemRoutes(gateway: gateway).register(on: router)
        AdminRoutes(gateway: gateway).register(on: router)
        EventRoutes(gateway: gateway).register(on: router)
        LimitRoutes(gateway: gateway).register(on: router)
        ShareRoutes(gateway: gateway).register(on: router)
        WebSocketRoute(gateway: gateway).register(on: router)
        ClientRoutes(gateway: gateway).register(on: router)
        WebhookRoutes(gateway: gateway).register(on: router)
        routeMethods.load(router.routes.map { ($0.path.description, $0.method) })
        return router
    }

    /// Every service, in start order; the group shuts them down in reverse.
    /// `onServerRunning` receives the bound port.
    public func makeServiceGroup<C: Clock>(
        clock: C, gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint], extraServices: [any Service] = [],
        shutdownGrace: Duration = SluiceServer.shutdownGrace,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> ServiceGroup where C.Duration == Duration {
        let configuration = gateway.configuration
        let logger = gateway.logger
        let webSocket = WebSocketRoute(gateway: gateway)
        let channel = HTTP1WebSocketUpgradeChannel(
            responder: PipelinedResponder.make(
                router: makeRouter(), ingest: gateway.ingest, logger: logger, maximumFollowers: configuration.pipelineReadAhead),
            configuration: .init(
                http1: .init(
                    additionalChannelHandlers: Self.channelHandlers(configuration),
                    idleTimeout: .nanoseconds(Int64(configuration.keepAliveIdleSeconds * 1_000_000_000)),
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: Self.maxHeaderFieldSize, maxHeaderListSize: Self.maxHeaderListSize)),
                ws: .init(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: .seconds(configuration.heartbeatSeconds))))
        ) { head, channel, _ in
            await webSocket.shouldUpgrade(head, channel: channel)
        }
        let listener = GatewayListener(
            inner: channel, host: configuration.host, port: configuration.port, gateway: gateway, gate: connections, logger: logger,
            onRunning: onServerRunning)
        let policyWatcher = PolicyWatcher(
            directory: configuration.policies, store: gateway.policies, interval: .seconds(configuration.policyPollSeconds),
            clock: clock, logger: logger, metrics: gateway.metrics)
        let retention = RetentionService(
            store: gateway.store, maximumEvents: configuration.retentionMaxEvents,
            maximumAge: configuration.retentionMaxAgeSeconds.map { .seconds($0) },
            interval: .seconds(configuration.retentionIntervalSeconds), clock: clock, now: { gateway.timestamp }, logger: logger,
            holder: gateway.nodeID)
        let keyUsage = KeyUsageService(
            ring: gateway.keys, store: gateway.store, interval: .seconds(configuration.keyRefreshSeconds), clock: clock, logger: logger)
        let circleLimits = CircleLimitsWatcher(
            store: gateway.store, limits: gateway.hub.circleLimits, interval: .seconds(configuration.limitsPollSeconds), clock: clock,
            logger: logger)
        let idempotencyExpiry = IdempotencyExpiryService(
            store: gateway.store, interval: .seconds(configuration.idempotencyExpiryIntervalSeconds), clock: clock,
            now: { gateway.timestamp }, logger: logger)
        let changeFollower = ChangeFollower(
            feed: gateway.changes, store: gateway.store, interval: .seconds(configuration.changeFeedPollSeconds), clock: clock,
            now: { gateway.timestamp }, logger: logger)
        let keeper = StreamKeeper(
            hub: gateway.hub, heartbeat: .seconds(configuration.heartbeatSeconds), clock: clock, now: gateway.now)
        let webhooks = WebhookDeliveryService(
            store: gateway.store, policies: gateway.policies, settings: configuration.webhooks, clock: clock, now: { gateway.timestamp },
            logger: logger, holder: gateway.nodeID)
        let follower = EventFollower(hub: gateway.hub, store: gateway.store, clock: clock, logger: logger)
        let probe = ReadinessProbe(
            store: gateway.store, readiness: gateway.readiness, interval: .seconds(1), clock: clock, logger: logger)
        // Services of a shared store (contract section 11); each only waits for shutdown on SQLite.
        var nodeServices: [any Service] = [follower, probe]
        if let slots = gateway.hub.slots { nodeServices.append(ConnectionSlotKeeper(slots: slots, clock: clock, logger: logger)) }
        var group = ServiceGroupConfiguration(
            services: [
                .init(service: gateway.ingest),
                .init(service: listener),
                .init(service: retention),
                .init(service: keyUsage),
                .init(service: changeFollower),
                .init(service: policyWatcher),
                .init(service: keeper),
                .init(service: circleLimits),
                .init(service: idempotencyExpiry),
                .init(service: webhooks),
                .init(service: MemoryReturn(connections: connections, clock: clock)),
            ] + (nodeServices + extraServices).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: gracefulShutdownSignals,
            logger: logger)
        // A service that does not end within this after SIGTERM is cancelled,
        // so the process always exits (as an orchestrator's grace period would).
        group.maximumGracefulShutdownDuration = shutdownGrace
        return ServiceGroup(configuration: group)
    }

    /// How long graceful shutdown may take before the services are cancelled.
    public static var shutdownGrace: Duration { .seconds(30) }
}
