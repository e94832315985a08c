/// A writer that takes live frames from a subscription as soon as they are
/// ready, instead of a task waiting on the queue. The HTTP layer implements it
/// on the connection's event loop, so live delivery needs no task wake-up or
/// actor hop per event; the hub never knows about sockets.
public protocol FrameSink: AnyObject, Sendable {
    /// Called from any thread when frames were queued or the stream closed.
    /// Must be cheap: schedule the write, do not perform it here.
    func framesReady()
}
