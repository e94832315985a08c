import NIOCore
import Prometheus
import Synchronization

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The global cap on open connections: past `limit`, a new connection is
/// closed as soon as it is accepted and counted in `refused`, so a flood of
/// sockets costs the process descriptors it has, never the ones it needs.
public final class ConnectionGate: Sendable {
    /// Most connections open at once.
    public let limit: Int
    private let open = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)
    private let admittedCount = Atomic<Int>(0)

    /// Descriptors kept back from the default limit for the database, the
    /// listening socket, policy files and logs.
    static let reserve = 128

    public init(limit: Int?) {
        self.limit = limit ?? ConnectionGate.defaultLimit()
    }

    /// The soft descriptor limit less the reserve (at least 16).
    static func defaultLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int32.max) else { return 65_536 }
        return max(16, Int(clamping: limit.rlim_cur) - reserve)
    }

    /// Connections open now.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Connections admitted since start (wrapping), for telling a quiet
    /// spell from a busy one.
    public var admitted: Int { admittedCount.load(ordering: .relaxed) }

    /// Connections closed at once because `limit` were open.
    public var refused: Int { refusedCount.load(ordering: .relaxed) }

    /// Admits `channel` (counted until it closes, here and in `gauge`) or
    /// refuses it; returns whether it was admitted.
    func admit(_ channel: any Channel, gauge: Gauge? = nil) -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= limit else {
            open.wrappingSubtract(1, ordering: .relaxed)
            refusedCount.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        admittedCount.wrappingAdd(1, ordering: .relaxed)
        gauge?.increment()
        channel.closeFuture.whenComplete { _ in
            self.open.wrappingSubtract(1, ordering: .relaxed)
            gauge?.decrement()
        }
        return true
    }
}
