import Foundation
import NIOCore
import NIOPosix

// Event-loop threads: SLUICE_EVENT_LOOP_THREADS (default: one per core). Read
// here because it must be fixed before the first event loop starts.
let threads = ProcessInfo.processInfo.environment["SLUICE_EVENT_LOOP_THREADS"].flatMap(Int.init) ?? System.coreCount
NIOSingletons.groupLoopCountSuggestion = max(1, threads)
Task.detached {
    await Sluice.main()
    exit(0)
}
dispatchMain()
