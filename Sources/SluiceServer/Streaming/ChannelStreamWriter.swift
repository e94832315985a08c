import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes
import SluiceCore
import SluiceHub

/// Writes a live stream straight to its connection from the connection's
/// event loop: every frame queued since the last flush goes out in one write.
/// At most `highWater` bytes are in flight per connection; past that the
/// frames wait in the subscription's bounded queue (which coalesces, then
/// closes, a reader that does not keep up).
final class ChannelStreamWriter: FrameSink, @unchecked Sendable {
    // `inFlight` and `finished` are only touched on `channel.eventLoop`;
    // `isQueued` only under the scheduler's lock; `completion` under its own lock.
    /// Hands one buffer to the connection (from the event loop).
    /// The buffer has `Chunked.headroom` free bytes before its data, so a
    /// chunked response can frame it in place.
    typealias Write = (inout ByteBuffer, EventLoopPromise<Void>) -> Void

    private let channel: any Channel
    private let subscription: Subscription
    private let scheduler: FlushScheduler
    private let writeBuffer: Write
    private let onFinish: (() -> Void)?
    private var inFlight = 0
    private var finished = false
    var isQueued = false
    private let completion = NIOLockedValueBox<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    static let highWater = 256 * 1024

    /// A writer for a response whose head (and chunked framing) the HTTP
    /// encoder already started: live frames go out as chunks written at the
    /// socket end of the pipeline, skipping the encoders.
    convenience init(channel: any Channel, subscription: Subscription) {
        self.init(channel: channel, subscription: subscription, write: RawChunkHandler.writer(for: channel), onFinish: nil)
    }

    /// A writer with its own way to write (a handler writing from its context)
    /// and a hook run on the event loop once the stream is over.
    init(channel: any Channel, subscription: Subscription, write: @escaping Write, onFinish: (() -> Void)?) {
        self.channel = channel
        self.subscription = subscription
        self.scheduler = FlushScheduler.of(channel.eventLoop)
        self.writeBuffer = write
        self.onFinish = onFinish
    }

    func framesReady() {
        scheduler.schedule(self)
    }

    /// Attaches to the subscription and returns when the stream is over and
    /// every frame was handed to the channel.
    ///
    /// What the route wrote before (the response head, the preamble, the
    /// history) went through Hummingbird's async writer, which hands it to the
    /// event loop in a task of its own. Attaching only from a task queued
    /// after those keeps live frames, which are written at the socket end of
    /// the pipeline, behind them: a flush already pending on the loop cannot
    /// slip a chunk in front of the response head.
    func run() async {
        let subscription = self.subscription
        do {
            try await channel.eventLoop.submit { subscription.attach(self) }.get()
        } catch {
            // The event loop is gone: so is the connection.
            subscription.close(.shutdown)
            return
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = completion.withLockedValue { state -> Bool in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// On the event loop: writes whatever is ready.
    func flush() {
        guard !finished else { return }
        guard inFlight < ChannelStreamWriter.highWater else {
            // The reader is behind. If the stream was closed meanwhile (overflow,
            // revocation), drop the connection rather than wait for it to drain.
            if subscription.closeReason != nil {
                channel.close(promise: nil)
                finish()
            }
            return
        }
        switch subscription.takeFrames() {
        case .empty:
            return
        case .closed(let reason):
            // A reader that could not keep up is cut off; it resumes from the log.
            if reason == .overflow { channel.close(promise: nil) }
            finish()
        case .frames(let frames):
            var total = 0
            for frame in frames { total += frame.bytes.count }
            var buffer = Chunked.reservingHeadroom(capacity: total, allocator: channel.allocator)
            var ends = false
            for frame in frames {
                buffer.writeBytes(frame.bytes)
                if frame.endsStream {
                    ends = true
                    break
                }
            }
            if buffer.readableBytes > 0 { write(&buffer) }
            if ends {
                subscription.close(.finished)
                finish()
            }
        }
    }

    private func write(_ buffer: inout ByteBuffer) {
        let size = buffer.readableBytes
        inFlight += size
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { result in
            self.inFlight -= size
            if case .failure = result { self.subscription.close(.clientGone) }
            self.flush()
        }
        writeBuffer(&buffer, promise)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        subscription.detach()
        onFinish?()
        let waiter = completion.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
