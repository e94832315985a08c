import ServiceLifecycle

#if canImport(Glibc)
    import CMalloc
#endif

/// When to hand freed heap memory back to the kernel. glibc keeps what a
/// burst of connections freed (their buffers, frames and tasks) as free
/// chunks inside the heap, so resident memory stays at the burst's high-water
/// mark long after the connections are gone. Trimming walks every arena, so
/// it runs once a burst is over (no connection accepted for one interval),
/// and while connections keep arriving at most once per `busyEvery`.
struct MemoryReturnSchedule: Sendable, Equatable {
    /// Intervals between trims while connections keep arriving.
    let busyEvery: Int
    private var lastAdmitted: Int
    private var trimmedAt: Int?
    private var intervalsSinceTrim = 0

    init(admitted: Int, busyEvery: Int) {
        self.busyEvery = max(1, busyEvery)
        self.lastAdmitted = admitted
    }

    /// Called once an interval with the number of connections admitted so
    /// far; returns whether to trim now.
    mutating func tick(admitted: Int) -> Bool {
        intervalsSinceTrim += 1
        let quiet = admitted == lastAdmitted
        lastAdmitted = admitted
        guard quiet ? trimmedAt != admitted : intervalsSinceTrim >= busyEvery else { return false }
        trimmedAt = admitted
        intervalsSinceTrim = 0
        return true
    }
}

/// Returns freed heap memory to the kernel after bursts of connections, on
/// the `MemoryReturnSchedule` (see there for why). `trim` defaults to glibc's
/// `malloc_trim(0)`; elsewhere there is nothing to do.
struct MemoryReturn<C: Clock>: Service where C.Duration == Duration {
    let connections: ConnectionGate
    let interval: Duration
    let busyEvery: Int
    let clock: C
    let trim: @Sendable () -> Void

    init(
        connections: ConnectionGate, interval: Duration = .seconds(10), busyEvery: Int = 30, clock: C,
        trim: @escaping @Sendable () -> Void = MemoryReturn.releaseFreeHeap
    ) {
        self.connections = connections
        self.interval = interval
        self.busyEvery = busyEvery
        self.clock = clock
        self.trim = trim
    }

    @Sendable static func releaseFreeHeap() {
        #if canImport(Glibc)
            _ = malloc_trim(0)
        #endif
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var schedule = MemoryReturnSchedule(admitted: connections.admitted, busyEvery: busyEvery)
            while !Task.isCancelledOrShuttingDown {
                try await clock.sleep(for: interval)
                if schedule.tick(admitted: connections.admitted) { trim() }
            }
        }
    }
}
