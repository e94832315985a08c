import Foundation
import NIOCore
import NIOPosix

// Swift concurrency runs on the event-loop threads themselves, so a request
// never hops between a task pool and an event loop. Their number comes from
// SLUICE_EVENT_LOOP_THREADS (default: one per core); it is read here because
// it must be fixed before any task runs, before the configuration is loaded.
let threads = ProcessInfo.processInfo.environment["SLUICE_EVENT_LOOP_THREADS"].flatMap(Int.init) ?? System.coreCount
NIOSingletons.groupLoopCountSuggestion = max(1, threads)
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
Task.detached {
    await Sluice.main()
    exit(0)
}
dispatchMain()
