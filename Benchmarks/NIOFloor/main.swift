// niofloor PORT CONNS [SECONDS] - the least a SwiftNIO server can do per
// public stream on this machine, for the connections-per-second cell.
//
// `acceptfloor.c` answers the idle cell's requests from a bare epoll loop;
// this answers them the same way from SwiftNIO, which Hummingbird and
// Sluice's listener are built on: one event loop, a `ServerBootstrap` with
// Sluice's listener options (backlog 4096, 16 accepts per wake-up, half
// closure, 1 KiB first receive buffer), and one handler per connection that
// waits for the end of the request head and answers it with one write of
// the exact bytes Sluice sends to open a public stream, then keeps the
// connection open. No parsing, no token, no hub. Sluice's connections per
// second cannot pass what this reaches: the gap between the two is
// Sluice's own work per connection; the gap between this and acceptfloor
// is NIO's (its channel, pipeline, registration and promises).
//
// Pinned as the servers are (`taskset -c 0 niofloor 8195 10000 30`, sseload
// on CPU1). Bounded: it exits once CONNS connections have closed (a
// readiness probe counts as one), or after SECONDS (default 60).
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import CMalloc
    import Glibc

    // As the sluice command does (Sources/sluice/main.swift): the heap grows
    // in large steps, and the descriptor table is made whole before the
    // first connection (ConnectionGate.sizeDescriptorTable), so neither
    // costs this floor what it does not cost Sluice.
    _ = mallopt(M_TOP_PAD, 64 << 20)
    let probe = open("/dev/null", O_RDONLY | O_CLOEXEC)
    if probe >= 0 {
        let high = fcntl(probe, F_DUPFD_CLOEXEC, 65_535)
        if high >= 0 { close(high) }
        close(probe)
    }
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[1]), (1...65_535).contains(port), let conns = Int(arguments[2]),
    (1...100_000).contains(conns)
else {
    FileHandle.standardError.write(Data("usage: niofloor PORT CONNS [SECONDS]  (PORT 1-65535, CONNS 1-100000)\n".utf8))
    exit(2)
}
let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 60 : 60
guard seconds > 0, seconds <= 3600 else {
    FileHandle.standardError.write(Data("niofloor: SECONDS 0-3600\n".utf8))
    exit(2)
}

/// The bytes Sluice writes to open a public stream (as `acceptfloor.c`).
let response = ByteBuffer(
    string: "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
        + "x-accel-buffering: no\r\nconnection: close\r\ntransfer-encoding: chunked\r\n"
        + "access-control-allow-origin: *\r\ndate: Thu, 03 Dec 2026 14:30:56 GMT\r\n"
        + "x-request-id: 94c034e095f5598f000000000000000e\r\n\r\n"
        + "7a\r\nretry: 3000\n\nevent: connected\n"
        + "data: {\"circle\":\"bench\",\"face\":\"bench-widget\",\"subjects\":[\"bench.>\"],\"last_event_id\":null}\n\n\r\n")

/// Answers the first request head on a connection and then only waits for
/// it to close; counts the closes and ends the process after `conns`.
final class FloorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var answered = false
    private var tail: [UInt8] = []
    private let closed: NIOLoopBoundBox<Int>
    private let conns: Int
    private static let headEnd: [UInt8] = Array("\r\n\r\n".utf8)

    init(closed: NIOLoopBoundBox<Int>, conns: Int) {
        self.closed = closed
        self.conns = conns
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        var bytes = tail
        bytes.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        // The head ends with CRLF CRLF, possibly split across reads: the
        // last three bytes of a read are kept for the next.
        let ends = bytes.count >= 4 && (0...(bytes.count - 4)).contains { bytes[$0..<$0 + 4].elementsEqual(Self.headEnd) }
        guard ends else {
            tail = Array(bytes.suffix(3))
            return
        }
        answered = true
        tail = []
        context.writeAndFlush(wrapOutboundOut(response), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed.value += 1
        if closed.value >= conns { exit(0) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { context.close(promise: nil) }
    }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()
let closed = try loop.submit { NIOLoopBoundBox(0, eventLoop: loop) }.wait()
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 4096)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .serverChannelOption(.maxMessagesPerRead, value: 16)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            guard let options = channel.syncOptions else { throw ChannelError.operationUnsupported }
            try options.setOption(.allowRemoteHalfClosure, value: true)
            try options.setOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65_536))
            try channel.pipeline.syncOperations.addHandler(FloorHandler(closed: closed, conns: conns))
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
_ = server
loop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) { exit(0) }
dispatchMain()
