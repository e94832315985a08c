/// Lets a caller learn the moment its batch joins the queue of the next
/// group commit (`IngestPipeline.submit`), before the commit: the read-ahead
/// of pipelined requests starts the next request of a connection then, so
/// both share one commit and keep their order.
public enum IngestOrder {
    /// Called once the task's batch is queued.
    @TaskLocal public static var onQueued: (@Sendable () -> Void)?
    /// Queues without waking the writer: the caller queues several batches
    /// one after another and then calls `IngestPipeline.wakeWriter()`, so the
    /// writer does not start a commit with only the first.
    @TaskLocal public static var holdsWriter = false
}
