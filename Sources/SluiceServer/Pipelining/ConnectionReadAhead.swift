import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// One connection's `PipelinedRequestQueue`, shared by the handler that reads
/// requests on the event loop (`ReadAheadHandler`) and the request loop's
/// responder in its task (`PipelinedResponder`). The responder finds it by
/// the connection's channel: Hummingbird hands it the channel, not the
/// pipeline's handlers.
final class ConnectionReadAhead: Sendable {
    private let queue: Mutex<PipelinedRequestQueue>

    init(maximumBodyBytes: Int) {
        queue = Mutex(PipelinedRequestQueue(maximumBodyBytes: maximumBodyBytes))
    }

    func withQueue<T>(_ body: (inout PipelinedRequestQueue) -> T) -> T {
        queue.withLock { body(&$0) }
    }

    private static let connections = Mutex([ObjectIdentifier: ConnectionReadAhead]())

    /// The read-ahead of `channel`, if its pipeline has one.
    static func of(_ channel: any Channel) -> ConnectionReadAhead? {
        connections.withLock { $0[ObjectIdentifier(channel)] }
    }

    static func register(_ readAhead: ConnectionReadAhead, for channel: any Channel) {
        connections.withLock { $0[ObjectIdentifier(channel)] = readAhead }
    }

    /// Called when the handler leaves the pipeline, at the latest when the
    /// channel closes (before the channel object can be freed and its
    /// identifier reused).
    static func unregister(_ channel: any Channel) {
        _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}
