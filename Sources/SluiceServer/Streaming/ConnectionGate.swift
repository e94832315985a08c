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
    private let openCount = Atomic<Int>(0)
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

    /// The most descriptor-table slots made at start: 512 KiB of kernel
    /// memory. A larger limit grows the table past it as connections come.
    static let presizedSlots = 65_536

    /// Grows the process's descriptor table to hold `limit` connections and
    /// the reserve (at most `presizedSlots`), before the first one arrives.
    /// Linux doubles the table as descriptors are opened, and in a process
    /// with several threads each doubling waits for an RCU grace period with
    /// the calling thread asleep: 8–10 ms each on the benchmark machine,
    /// eight times while 10,000 viewers connect, each time with the event
    /// loop stopped. Opening one descriptor at the top of the range makes
    /// the whole table at once; it never shrinks.
    func sizeDescriptorTable() {
        var soft = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &soft) == 0 else { return }
        let slots = min(min(limit, Self.presizedSlots) + Self.reserve, Int(clamping: soft.rlim_cur), Self.presizedSlots)
        Self.sizeDescriptorTable(slots: slots)
    }

    /// Makes the descriptor table at least `slots` long (within the soft
    /// limit); returns whether it is.
    @discardableResult
    static func sizeDescriptorTable(slots: Int) -> Bool {
        guard slots > 0, let highest = Int32(exactly: slots - 1) else { return false }
        let probe = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        let high = fcntl(probe, F_DUPFD_CLOEXEC, highest)
        guard high >= 0 else { return false }
        close(high)
        return true
    }

    /// Connections open now.
    public var openConnections: Int { openCount.load(ordering: .relaxed) }

    /// Connections admitted since start (wrapping), for telling a quiet
    /// spell from a busy one.
    public var admitted: Int { admittedCount.load(ordering: .relaxed) }

    /// Connections closed at once because `limit` were open.
    public var refused: Int { refusedCount.load(ordering: .relaxed) }

    /// Admits `channel` (counted until it closes, here and in `gauge`) or
    /// refuses it; returns whether it was admitted.
    func admit(_ channel: any Channel, gauge: Gauge? = nil) -> Bool {
        let now = openCount.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= limit else {
            openCount.wrappingSubtract(1, ordering: .relaxed)
            refusedCount.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        admittedCount.wrappingAdd(1, ordering: .relaxed)
        gauge?.increment()
        channel.closeFuture.whenComplete { _ in
            self.openCount.wrappingSubtract(1, ordering: .relaxed)
            gauge?.decrement()
        }
        return true
    }
}
