import NIOCore
import Testing

@testable import SluiceServer

/// The router's decisions, event by event, without a channel.
@Suite struct ConnectionRouterStateMachineTests {
    typealias Machine = ConnectionRouterStateMachine

    func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func anotherRequestIsHandedOverOnceItsFirstBytesTellAndReplayedWhole() {
        var machine = Machine()
        #expect(machine.read(bytes("GE")) == .wait, "could still be a public stream")
        #expect(machine.read(bytes("T /healthz HTTP/1.1\r\n")) == .handOver(headComplete: false))
        #expect(machine.read(bytes("Host: x\r\n")) == .wait, "kept for the replay")
        #expect(!machine.forwardsReadComplete)
        // The head is not through yet: the router stays to see its end.
        #expect(machine.handOverSucceeded() == .replay(.init(bytes: bytes("GET /healthz HTTP/1.1\r\nHost: x\r\n"), inputClosed: false, leave: false)))
        #expect(machine.forwardsReadComplete)
        #expect(machine.read(bytes("\r")) == .forward)
        #expect(machine.read(bytes("\n")) == .forwardAndLeave, "the end of the head, split across reads")
        #expect(machine.read(bytes("GET / HTTP/1.1\r\n\r\n")) == .forward)
    }

    @Test func aReplayHoldingTheWholeHeadLeavesAtOnce() {
        var machine = Machine()
        #expect(machine.read(bytes("POST /api/acme/events HTTP/1.1\r\n\r\n{}")) == .handOver(headComplete: false))
        guard case .replay(let replay) = machine.handOverSucceeded() else {
            Issue.record("no replay")
            return
        }
        #expect(replay.leave)
        #expect(machine.headDeadlinePassed() == .none, "the head is through")
    }

    @Test func aPublicStreamHeadIsReadToItsEndThenOpenedHere() {
        var machine = Machine()
        let head = "GET /api/public/events/acme?t=x HTTP/1.1\r\nHost: a\r\n\r\n"
        for byte in head.utf8.dropLast() { #expect(machine.read(ByteBuffer(bytes: [byte])) == .wait) }
        #expect(machine.read(bytes("\n")) == .openStream(PublicStreamRequest(target: "/api/public/events/acme?t=x", origin: nil)))
        #expect(machine.streamOpened() == .none)
        #expect(machine.read(bytes("GET /healthz HTTP/1.1\r\n\r\n")) == .ignore, "a stream served here reads nothing more")
        #expect(machine.headDeadlinePassed() == .none)
        #expect(machine.inputClosed() == .endStream(.clientGone))
        #expect(machine.quiesce() == .endStream(.shutdown))
        #expect(machine.errorCaught() == .close)
        #expect(machine.channelInactive() == .endStream(.clientGone), "an error's close still ends the stream")
        #expect(machine.channelInactive() == .none)
    }

    @Test func aStreamTheFastPathDeclinesIsHandedOverWithItsHeadComplete() {
        var machine = Machine()
        let head = "GET /api/public/events/acme?t=unseen HTTP/1.1\r\n\r\n"
        guard case .openStream = machine.read(bytes(head)) else {
            Issue.record("not recognized")
            return
        }
        #expect(machine.streamDeclined() == .handOver(headComplete: true))
        #expect(machine.handOverSucceeded() == .replay(.init(bytes: bytes(head), inputClosed: false, leave: true)))
    }

    /// While a connection slot is taken from the store (a token counted over
    /// every node), the connection waits in `openingStream`: bytes and a
    /// half-close are kept for whichever way it goes, and a close or a
    /// shutdown meanwhile means the slot must go back.
    @Test func whileASlotIsTakenAHalfCloseIsKeptForTheStream() {
        var machine = Machine()
        guard case .openStream = machine.read(bytes("GET /api/public/events/acme?t=x HTTP/1.1\r\n\r\n")) else {
            Issue.record("not recognized")
            return
        }
        #expect(machine.isOpeningStream)
        #expect(machine.inputClosed() == .none)
        #expect(machine.isOpeningStream)
        #expect(machine.streamOpened() == .endStream(.clientGone), "the client left while the slot was taken")
        #expect(!machine.isOpeningStream)
    }

    @Test func whileASlotIsTakenAHalfCloseAndBytesGoToTheRouteWhenDeclined() {
        var machine = Machine()
        let head = "GET /api/public/events/acme?t=x HTTP/1.1\r\n\r\n"
        guard case .openStream = machine.read(bytes(head)) else {
            Issue.record("not recognized")
            return
        }
        #expect(machine.read(bytes("X")) == .wait)
        #expect(machine.inputClosed() == .none)
        #expect(machine.streamDeclined() == .handOver(headComplete: true))
        #expect(machine.handOverSucceeded() == .replay(.init(bytes: bytes(head + "X"), inputClosed: true, leave: true)))
    }

    @Test(arguments: ["inactive", "quiesce", "error"])
    func aConnectionEndedWhileASlotIsTakenIsNoLongerOpening(end: String) {
        var machine = Machine()
        guard case .openStream = machine.read(bytes("GET /api/public/events/acme?t=x HTTP/1.1\r\n\r\n")) else {
            Issue.record("not recognized")
            return
        }
        switch end {
        case "inactive": #expect(machine.channelInactive() == .none)
        case "quiesce": #expect(machine.quiesce() == .close)
        default: #expect(machine.errorCaught() == .close)
        }
        #expect(!machine.isOpeningStream, "the slot taken meanwhile goes back")
        #expect(machine.streamOpened() == .none)
        #expect(machine.streamDeclined() == .ignore)
    }

    @Test(arguments: [
        "GET /api/public/events/acme HTTP/1.1\r\nLast-Event-ID: 3\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.0\r\n\r\n",
        "GET /api/public/events/acme HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    ])
    func publicStreamsOfAnotherShapeAreHandedOverComplete(head: String) {
        var machine = Machine()
        #expect(machine.read(bytes(head)) == .handOver(headComplete: true))
    }

    @Test func aBareLineFeedOrAnOversizedHeadIsHandedOverIncomplete() {
        var bare = Machine()
        #expect(bare.read(bytes("GET /api/public/events/acme HTTP/1.1\nHost: x\n")) == .handOver(headComplete: false))
        var huge = Machine()
        #expect(huge.read(bytes("GET /api/public/events/acme HTTP/1.1\r\n")) == .wait)
        let filler = "X-A: " + String(repeating: "a", count: PublicStreamRequest.maximumHeadSize) + "\r\n"
        #expect(huge.read(bytes(filler)) == .handOver(headComplete: false))
        #expect(huge.headDeadlinePassed() == .close, "its deadline still holds")
    }

    @Test func aHalfCloseIsPassedOnAfterTheReplayOrClosesAnEmptyConnection() {
        var empty = Machine()
        #expect(empty.inputClosed() == .close)
        #expect(empty.channelInactive() == .none)
        var partial = Machine()
        #expect(partial.read(bytes("GET /api/pub")) == .wait)
        #expect(partial.inputClosed() == .handOver(headComplete: false))
        #expect(partial.handOverSucceeded() == .replay(.init(bytes: bytes("GET /api/pub"), inputClosed: true, leave: false)))
        var handingOver = Machine()
        #expect(handingOver.read(bytes("GET /h")) == .handOver(headComplete: false))
        #expect(handingOver.inputClosed() == .none, "remembered for the replay")
        #expect(handingOver.handOverSucceeded() == .replay(.init(bytes: bytes("GET /h"), inputClosed: true, leave: false)))
        #expect(handingOver.inputClosed() == .forward)
    }

    @Test func aShutdownClosesConnectionsThatStartedNothing() {
        for text in ["", "GET /api/pub", "GET /api/public/events/acme HTTP/1.1\r\nHo", "GET /h"] {
            var machine = Machine()
            if !text.isEmpty { _ = machine.read(bytes(text)) }
            #expect(machine.quiesce() == .close, "\(text)")
            #expect(machine.quiesce() == .none, "closed once")
            #expect(machine.handOverSucceeded() == .none, "a hand-over finishing late replays nothing")
        }
        var handedOver = Machine()
        _ = handedOver.read(bytes("GET /h"))
        _ = handedOver.handOverSucceeded()
        #expect(handedOver.quiesce() == .forward, "Hummingbird drains its own")
    }

    @Test func theHeadDeadlineClosesEveryConnectionWhoseHeadIsNotThrough() {
        var nothing = Machine()
        #expect(nothing.headDeadlinePassed() == .close)
        var handedOver = Machine()
        _ = handedOver.read(bytes("GET /api/events/acme HTTP/1.1\r\nHost: x\r\n"))
        _ = handedOver.handOverSucceeded()
        #expect(handedOver.headDeadlinePassed() == .close)
        #expect(handedOver.headDeadlinePassed() == .none)
        var waiting = Machine()
        _ = waiting.read(bytes("GET /x"))
        #expect(waiting.headDeadlinePassed() == .close, "still waiting for Hummingbird")
    }

    @Test func errorsAndOtherEventsBeforeTheHandOverEndTheConnectionOrAreDropped() {
        var machine = Machine()
        #expect(machine.otherEvent() == .none)
        #expect(machine.errorCaught() == .close)
        #expect(machine.errorCaught() == .none)
        #expect(machine.handOverFailed() == .none, "already closed")
        var failing = Machine()
        _ = failing.read(bytes("GET /x"))
        #expect(failing.handOverFailed() == .close)
        var handedOver = Machine()
        _ = handedOver.read(bytes("GET /x"))
        _ = handedOver.handOverSucceeded()
        #expect(handedOver.otherEvent() == .forward)
        #expect(handedOver.errorCaught() == .forward)
        #expect(handedOver.channelInactive() == .forward)
    }
}
