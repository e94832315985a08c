/// How a batch joins the queue of the next group commit when the caller
/// queues several in a row (the read-ahead of pipelined requests): it learns
/// the moment its batch is queued, before the commit, so the next request of
/// the connection starts then and both keep their order; and it may leave
/// the writer asleep until the last of them is queued
/// (`IngestPipeline.wakeWriter()`), so one commit takes them all.
public struct IngestOrder: Sendable {
    /// Queue without waking the writer; the caller wakes it.
    public let holdsWriter: Bool
    /// Called once the batch is queued.
    public let onQueued: @Sendable () -> Void

    public init(holdsWriter: Bool, onQueued: @escaping @Sendable () -> Void) {
        self.holdsWriter = holdsWriter
        self.onQueued = onQueued
    }
}
