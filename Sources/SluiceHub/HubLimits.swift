/// Bounds of the hub, from the configuration.
public struct HubLimits: Sendable, Equatable {
    /// Frames one subscriber may have queued before coalescing, then closing.
    public var queueFrames: Int
    /// Bytes one subscriber may have queued.
    public var queueBytes: Int
    /// Events read from the log per page while replaying.
    public var replayPage: Int
    /// The `retry:` sent at the start of every stream, in milliseconds.
    public var retryMilliseconds: Int

    public init(queueFrames: Int = 4096, queueBytes: Int = 16 << 20, replayPage: Int = 500, retryMilliseconds: Int = 3000) {
        self.queueFrames = queueFrames
        self.queueBytes = queueBytes
        self.replayPage = replayPage
        self.retryMilliseconds = retryMilliseconds
    }
}
