import Hummingbird
import Logging
import NIOCore
import SluiceHub

/// The request context: Hummingbird's core storage plus the connection's
/// channel, whose close tells a stream that its client has gone.
public struct SluiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel
    /// When the request reached the router, for latency metrics.
    public let arrival = ContinuousClock.now
    /// Set by the read-ahead of pipelined ingest requests: how this
    /// request's batch joins the commit queue (`PipelinedResponder`).
    public var ingestOrder: IngestOrder?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Bodies are read with explicit limits by each route.
    public var maxUploadSize: Int { 1 << 20 }
}
