import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SluiceCore
import SluiceHub
import SluiceSQLite
import Testing

@testable import SluiceServer

/// The event-loop writer of live streams, on an embedded channel.
@Suite struct ChannelStreamWriterTests {
    func hub() -> Hub {
        let hub = Hub(
            policies: PolicyStore(
                try! PolicySet(documents: [
                    .init(circles: ["*"], faces: [Face(name: "member", subjects: .all, fields: try! FieldSelector(["**"]))], source: "test")
                ])))
        hub.seed(CircleID("acme")!, latest: 0)
        return hub
    }

    func spec() -> StreamSpec {
        StreamSpec(circle: CircleID("acme")!, credential: .apiKey(id: "aaaaaaaaaaaa"), face: "member", subjects: .all, restriction: .all)
    }

    func store() throws -> SQLiteEventStore {
        try SQLiteEventStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("w-\(UUID().uuidString).db").path)
    }

    @Test func pendingFramesGoOutInOneWriteAndTheStreamIsFreedWhenItEnds() throws {
        let hub = hub()
        let channel = EmbeddedChannel()
        let written = NIOLockedValueBox<[ByteBuffer]>([])
        weak var weakSubscription: Subscription?
        do {
            let stream = try #require(try hub.openLive(spec(), store: store()))
            weakSubscription = stream.subscription
            let writer = ChannelStreamWriter(
                channel: channel, subscription: stream.subscription,
                write: { buffer, promise in
                    written.withLockedValue { $0.append(buffer) }
                    promise.succeed()
                }, onFinish: nil)
            let events = (1...3).map { i in
                StoredEvent(
                    sequence: Int64(i), circle: CircleID("acme")!, input: EventInput(subject: Subject("a.b")!), timestamp: Timestamp(milliseconds: 0))
            }
            hub.publish(events)
            stream.subscription.attach(writer)
            channel.embeddedEventLoop.run()
            #expect(written.withLockedValue { $0.count } == 1, "three pending frames, one write")
            let text = written.withLockedValue { String(buffer: $0[0]) }
            #expect(text.components(separatedBy: "\n\n").filter { $0.hasPrefix("id: ") }.count == 3)
            stream.close(.clientGone)
            channel.embeddedEventLoop.run()
            stream.release()
        }
        #expect(weakSubscription == nil, "writer and subscription do not keep each other alive")
        #expect(hub.streamCount == 0)
        _ = try channel.finish()
    }
}

/// HTTP/1.1 chunk framing written past the encoder.
@Suite struct ChunkedFramingTests {
    /// A buffer with headroom is framed in place with its size in lowercase
    /// hex; the bytes are those of a chunk copied into a fresh buffer.
    @Test(arguments: [0, 1, 9, 10, 15, 16, 255, 256, 4095, 65_536, 1_000_003])
    func aBufferWithHeadroomIsFramedInPlaceAsACopyWouldBe(size: Int) {
        let data = [UInt8]((0..<size).map { UInt8(truncatingIfNeeded: $0) })
        var framed = Chunked.reservingHeadroom(capacity: size, allocator: ByteBufferAllocator())
        framed.writeBytes(data)
        #expect(Chunked.prependSize(to: &framed))
        framed.writeStaticString("\r\n")
        var copied = ByteBuffer()
        Chunked.append(data, to: &copied)
        #expect(framed == copied)
        #expect(framed.getString(at: framed.readerIndex, length: 2 + String(size, radix: 16).count) == String(size, radix: 16) + "\r\n")
    }

    /// Hex digits written into a buffer read as `String(_:radix:)` gives
    /// them, zero-padded to the width asked, with the width a value needs.
    @Test(arguments: [0, 1, 9, 10, 15, 16, 0xABC, 1 << 32, UInt64.max])
    func lowercaseHexDigitsReadAsTheStringFormatterWritesThem(value: UInt64) {
        let hex = String(value, radix: 16)
        #expect(ByteBuffer.lowercaseHexDigitCount(value) == hex.count)
        var buffer = ByteBuffer(string: "x")
        #expect(buffer.writeLowercaseHex(value, digits: 16) == 16)
        #expect(String(buffer: buffer) == "x" + String(repeating: "0", count: 16 - hex.count) + hex)
        buffer.setLowercaseHex(value, digits: hex.count, at: 0)
        #expect(buffer.getString(at: 0, length: hex.count) == hex)
    }

    /// Without room before its data a buffer is left as it is (and `write`
    /// copies it into a chunk instead).
    @Test func aBufferWithoutHeadroomIsLeftAlone() {
        var plain = ByteBuffer(string: "data: x\n\n")
        #expect(!Chunked.prependSize(to: &plain))
        #expect(plain == ByteBuffer(string: "data: x\n\n"))
    }
}
