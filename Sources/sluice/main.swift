import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import CMalloc
    import Glibc

    /// The cores this process may run on (its CPU affinity), which
    /// `System.coreCount` does not look at: a gateway pinned to one core
    /// gets one event loop, not one per core of the machine.
    func allowedCores() -> Int {
        // "Cpus_allowed:\t3" (a hex mask, comma-separated words) in /proc/self/status.
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return System.coreCount }
        let mask = line.dropFirst("Cpus_allowed:".count).filter { $0.isHexDigit }
        let allowed = mask.reduce(0) { $0 + (Int(String($1), radix: 16) ?? 0).nonzeroBitCount }
        return allowed > 0 ? min(allowed, System.coreCount) : System.coreCount
    }

    // Grow the heap in large steps of address space: every connection adds a
    // few KiB, and growing page by page costs an mprotect call each time. Only
    // touched pages count towards memory.
    _ = mallopt(M_TOP_PAD, 64 << 20)
    // At most one malloc arena per core (glibc's default is eight per core):
    // each arena keeps the memory its threads freed, so with one per thread
    // that ever allocated, a burst of connections left ~40 MB resident and
    // free over seven arenas that a trim could not give back. An explicit
    // MALLOC_ARENA_MAX in the environment is left as it is.
    if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil {
        _ = mallopt(M_ARENA_MAX, Int32(clamping: max(2, allowedCores())))
    }
#else
    func allowedCores() -> Int { System.coreCount }
#endif

// Event-loop threads: SLUICE_EVENT_LOOP_THREADS (default: one per core this
// process may run on). Read here because it must be fixed before the first
// event loop starts.
let threads = ProcessInfo.processInfo.environment["SLUICE_EVENT_LOOP_THREADS"].flatMap(Int.init) ?? allowedCores()
NIOSingletons.groupLoopCountSuggestion = max(1, threads)
Task.detached {
    await Sluice.main()
    exit(0)
}
dispatchMain()
