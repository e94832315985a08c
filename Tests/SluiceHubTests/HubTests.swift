import Foundation
import SluiceCore
import SluiceHub
import SluiceStore
import Testing

/// Every hub test is bounded: a stream that never ends fails the test
/// instead of hanging the run.
@Suite(.timeLimit(.minutes(1))) struct HubStreamTests {
    @Test func preambleThenHistoryThenLive() async throws {
        try await withHub { (fixture) async throws in
            let history = try await fixture.commit([
                event("automation.execute.started", "inv_7", payload: #"{"n":1}"#),
                event("automation.execute.progress", "inv_7"),
                event("sales-board.update.completed"),
            ])
            let stream = try await fixture.open(spec(), resumeAfter: 0, lastEventID: "0")

            let preamble = try #require(try await stream.next())
            #expect(
                String(decoding: preamble, as: UTF8.self) == """
                    retry: 3000\n\nevent: connected\ndata: {"circle":"acme","face":"member","subjects":[">"],"last_event_id":"0"}\n\n
                    """)

            let replayed = wireFrames(try #require(try await stream.next()))
            #expect(replayed.map(\.id) == ["1", "2", "3"])
            #expect(replayed.map(\.event) == ["automation.execute.started", "automation.execute.progress", "sales-board.update.completed"])
            for (frame, stored) in zip(replayed, history) {
                #expect(try JSONValue.parse(try #require(frame.data)) == stored.envelope)
            }

            #expect(try await goLive(stream, hub: fixture.hub).isEmpty)
            try await fixture.commit([event("automation.execute.completed", "inv_7"), event("other.thing.happened")])
            let live = wireFrames(try #require(try await stream.next()))
            #expect(sequences(live) == [4, 5])
            #expect(live.first?.event == "automation.execute.completed")
            #expect(stream.subscription.closeReason == nil)
            stream.release()
        }
    }

    @Test func connectedNamesNoLastEventIDWhenThereIsNone() async throws {
        try await withHub { (fixture) async throws in
            let stream = try await fixture.open(spec(subjects: ["a.>", "b.*"]), resumeAfter: nil)
            let preamble = wireFrames(try #require(try await stream.next()))
            #expect(preamble.first?.retry == 3000)
            #expect(preamble.last?.event == "connected")
            #expect(preamble.last?.data == #"{"circle":"acme","face":"member","subjects":["a.>","b.*"],"last_event_id":null}"#)
            stream.release()
        }
    }

    @Test func liveOnlyStreamSkipsHistory() async throws {
        try await withHub { (fixture) async throws in
            try await fixture.commit([event("a.one"), event("a.two")])
            let stream = try await fixture.open(spec(), resumeAfter: nil)
            _ = try await stream.next()
            #expect(try await goLive(stream, hub: fixture.hub).isEmpty)
            try await fixture.commit([event("a.three")])
            #expect(sequences(wireFrames(try #require(try await stream.next()))) == [3])
            stream.release()
        }
    }

    /// The hub keeps each subject's subscribers between events; a stream
    /// that opens or closes in between changes who gets the next event.
    @Test func aStreamOpenedOrClosedBetweenTwoEventsOfOneSubjectIsCountedIn() async throws {
        try await withHub { (fixture) async throws in
            let first = try await fixture.open(spec(), resumeAfter: nil)
            _ = try await first.next()
            #expect(try await goLive(first, hub: fixture.hub).isEmpty)
            try await fixture.commit([event("board.card.update")])
            #expect(sequences(try await read(first) { sequences($0) == [1] }.frames) == [1])

            let second = try await fixture.open(spec(subjects: ["board.>"]), resumeAfter: nil)
            _ = try await second.next()
            #expect(try await goLive(second, hub: fixture.hub).isEmpty)
            try await fixture.commit([event("board.card.update")])
            #expect(sequences(try await read(second) { sequences($0) == [2] }.frames) == [2])
            #expect(sequences(try await read(first) { !sequences($0).isEmpty }.frames) == [2])

            first.release()
            #expect(fixture.hub.streamCount == 1)
            try await fixture.commit([event("board.card.update")])
            #expect(sequences(try await read(second) { !sequences($0).isEmpty }.frames) == [3])
            #expect(first.subscription.closeReason != nil)
            second.release()
        }
    }

    /// Events committed and published while the stream replays and switches
    /// to live arrive exactly once, in order, with no gap.
    @Test(arguments: 0..<4)
    func noDuplicatesOrGapsAcrossTheSwitchToLive(round: Int) async throws {
        try await withHub(limits: HubLimits(replayPage: 7)) { (fixture) async throws in
            let historyCount = 20 + round * 5
            let liveCount = 150
            let total = historyCount + liveCount
            try await fixture.commit((0..<historyCount).map { event("h.e\($0)") })
            let frames = try await withThrowingTaskGroup(of: [WireFrame]?.self) { group in
                group.addTask {
                    for i in 0..<liveCount {
                        try await fixture.commit([event("l.e\(i)")])
                        if i % (round + 2) == 0 { await Task.yield() }
                    }
                    return nil
                }
                group.addTask {
                    let stream = try await fixture.open(spec(), resumeAfter: 0, lastEventID: "0")
                    defer { stream.release() }
                    return try await read(stream, seconds: 60) { sequences($0).count >= total }.frames
                }
                var frames: [WireFrame] = []
                for try await result in group { if let result { frames = result } }
                return frames
            }
            #expect(sequences(frames) == Array(1...Int64(total)))
        }
    }

    @Test func resumeAfterALaterIDReplaysOnlyTheRest() async throws {
        try await withHub(limits: HubLimits(replayPage: 3)) { (fixture) async throws in
            try await fixture.commit((1...10).map { event("a.e\($0)") })
            let stream = try await fixture.open(spec(), resumeAfter: 6, lastEventID: "6")
            let (frames, _) = try await read(stream) { sequences($0).count >= 4 }
            #expect(sequences(frames) == [7, 8, 9, 10])
            stream.release()
        }
    }

    @Test func resumingBeforeRetentionStartsWithReset() async throws {
        try await withHub { (fixture) async throws in
            try await fixture.commit((1...10).map { event("a.e\($0)") })
            #expect(try await fixture.store.trim(acme, maxEvents: 5, olderThan: nil) == 5)
            let stream = try await fixture.open(spec(), resumeAfter: 2, lastEventID: "2")
            let preamble = wireFrames(try #require(try await stream.next()))
            #expect(preamble.map(\.event) == [nil, "connected", "reset"])
            #expect(preamble.last?.data == #"{"reason":"retention","oldest_id":"6"}"#)
            let (frames, _) = try await read(stream) { sequences($0).count >= 5 }
            #expect(sequences(frames) == [6, 7, 8, 9, 10])
            stream.release()

            // From the start (0) there is nothing to reset.
            let fromStart = try await fixture.open(spec(), resumeAfter: 0, lastEventID: "0")
            #expect(!wireFrames(try #require(try await fromStart.next())).contains { $0.event == "reset" })
            fromStart.release()
        }
    }

    @Test func streamsSeeOnlyTheirCircleSubjectsAndRestriction() async throws {
        try await withHub { (fixture) async throws in
            let narrow = try await fixture.open(spec(subjects: ["a.>", "c.*"], restriction: ["a.x.>", "c.*"]), resumeAfter: nil)
            let other = try await fixture.open(spec(beta), resumeAfter: nil)
            _ = try await narrow.next()
            _ = try await other.next()
            fixture.hub.heartbeat()  // held by both while they replay: each goes live on it
            #expect(wireFrames(try #require(try await narrow.next())) == [WireFrame(comment: "ping")])
            #expect(wireFrames(try #require(try await other.next())) == [WireFrame(comment: "ping")])
            try await fixture.commit([event("a.x.one"), event("a.y.two"), event("b.three"), event("c.four"), event("a.x.five.six")])
            try await fixture.commit([event("a.x.beta")], to: beta)
            let seen = wireFrames(try #require(try await narrow.next()))
            #expect(seen.map(\.event) == ["a.x.one", "c.four", "a.x.five.six"])
            let seenByBeta = wireFrames(try #require(try await other.next()))
            #expect(seenByBeta.map(\.event) == ["a.x.beta"])
            #expect(try JSONValue.parse(try #require(seenByBeta.first?.data))["circle"] == .string("beta"))
            narrow.release()
            other.release()
        }
    }

    /// Default-deny: a face no policy defines delivers nothing, not even history.
    @Test func anUndefinedFaceDeliversNothing() async throws {
        try await withHub { (fixture) async throws in
            try await fixture.commit([event("a.one")])
            let stream = try await fixture.open(spec(face: "public-widget"), resumeAfter: 0)
            _ = try await stream.next()
            #expect(try await goLive(stream, hub: fixture.hub).isEmpty)
            try await fixture.commit([event("a.two")])
            fixture.hub.heartbeat()
            let chunk = wireFrames(try #require(try await stream.next()))
            #expect(chunk == [WireFrame(comment: "ping")])
            stream.release()
        }
    }

    @Test func messageNamingDropsTheEventLine() async throws {
        try await withHub { (fixture) async throws in
            try await fixture.commit([event("a.one")])
            let stream = try await fixture.open(spec(naming: .message), resumeAfter: 0)
            let preamble = wireFrames(try #require(try await stream.next()))
            #expect(preamble.last?.event == "connected")
            let frames = wireFrames(try #require(try await stream.next()))
            #expect(frames.count == 1)
            #expect(frames.first?.id == "1")
            #expect(frames.first?.event == nil)
            stream.release()
        }
    }

    @Test func opaqueIDsAreUsedOnTheWireAndInTheEnvelope() async throws {
        struct Prefixed: EventIDCodec {
            func encode(sequence: Int64, circle: CircleID) -> String { "x\(sequence)" }
            func decode(_ id: String, circle: CircleID) -> Int64? { id.hasPrefix("x") ? Int64(id.dropFirst()) : nil }
        }
        try await withHub { (fixture) async throws in
            try await fixture.commit([event("a.one")])
            let stream = try await fixture.open(spec(ids: Prefixed(), opaqueIDs: true), resumeAfter: 0)
            _ = try await stream.next()
            let chunk = try #require(try await stream.next())
            let frame = try #require(wireFrames(chunk).first)
            #expect(frame.id == "x1")
            #expect(try JSONValue.parse(try #require(frame.data))["id"] == .string("x1"))
            stream.release()
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct HubLifecycleTests {
    /// Revoking a credential ends its streams at once, waking a waiting writer.
    @Test func revocationEndsTheStreamsOfThatCredential() async throws {
        try await withHub { (fixture) async throws in
            let revoked = try await fixture.open(spec(credential: .apiKey(id: "k1")), resumeAfter: nil)
            let second = try await fixture.open(spec(credential: .apiKey(id: "k1")), resumeAfter: 0)
            let kept = try await fixture.open(spec(credential: .apiKey(id: "k2")), resumeAfter: nil)
            for stream in [revoked, second, kept] { _ = try await stream.next() }
            try await goLive(revoked, hub: fixture.hub)
            #expect(fixture.hub.streamCount(credential: .apiKey(id: "k1")) == 2)

            async let outcome = read(revoked, seconds: 5) { _ in false }
            try await Task.sleep(for: .milliseconds(20))  // let the writer park on its queue
            fixture.hub.close(credential: .apiKey(id: "k1"))
            let (frames, ended) = try await outcome
            #expect(ended && frames.isEmpty)
            #expect(try await second.next() == nil)
            #expect(revoked.subscription.closeReason == .revoked)
            #expect(second.subscription.closeReason == .revoked)
            #expect(try await revoked.next() == nil)
            #expect(fixture.hub.streamCount(credential: .apiKey(id: "k1")) == 0)

            #expect(kept.subscription.closeReason == nil)
            #expect(fixture.hub.streamCount(credential: .apiKey(id: "k2")) == 1)
            kept.release()
            #expect(fixture.hub.streamCount == 0)
        }
    }

    @Test func closingACircleEndsItsStreamsOnly() async throws {
        try await withHub { (fixture) async throws in
            let inAcme = try await fixture.open(spec(acme), resumeAfter: nil)
            let inBeta = try await fixture.open(spec(beta), resumeAfter: nil)
            fixture.hub.close(circle: acme)
            _ = try await inAcme.next()  // the preamble is still written
            #expect(try await inAcme.next() == nil)
            #expect(inBeta.subscription.closeReason == nil)
            inBeta.release()
        }
    }

    @Test func maximumConnectionsPerCredential() async throws {
        try await withHub { (fixture) async throws in
            let share = spec(credential: .shareToken(jti: "j1"), maximumConnections: 2)
            let first = try await fixture.open(share, resumeAfter: nil)
            let second = try await fixture.open(share, resumeAfter: nil)
            let error = await #expect(throws: SluiceError.self) { try await fixture.open(share, resumeAfter: nil) }
            #expect(error?.code == "too_many_connections")
            #expect(error?.status == 429)
            #expect(fixture.hub.streamCount(credential: .shareToken(jti: "j1")) == 2)

            // Another token is counted on its own.
            let other = try await fixture.open(spec(credential: .shareToken(jti: "j2"), maximumConnections: 2), resumeAfter: nil)

            second.release()
            second.release()  // safe twice
            let third = try await fixture.open(share, resumeAfter: nil)
            #expect(fixture.hub.streamCount(credential: .shareToken(jti: "j1")) == 2)
            for stream in [first, third, other] { stream.release() }
            #expect(fixture.hub.streamCount == 0)
        }
    }

    @Test func afterCloseAllNothingOpens() async throws {
        try await withHub { (fixture) async throws in
            let stream = try await fixture.open(spec(), resumeAfter: nil)
            fixture.hub.closeAll()
            #expect(stream.subscription.closeReason == .shutdown)
            await #expect(throws: SluiceError.unavailable()) { try await fixture.open(spec(), resumeAfter: nil) }
        }
    }

    /// A subscriber that stops reading overflows its queue and is closed with
    /// `.overflow`; a subscriber that keeps up gets every event meanwhile.
    @Test func aStalledSubscriberIsClosedWhileAnotherGetsEverything() async throws {
        try await withHub(limits: HubLimits(queueFrames: 8)) { (fixture) async throws in
            let stalled = try await fixture.open(spec(credential: .apiKey(id: "slow")), resumeAfter: nil)
            let reader = try await fixture.open(spec(credential: .apiKey(id: "fast")), resumeAfter: nil)
            _ = try await stalled.next()
            _ = try await reader.next()
            fixture.hub.heartbeat()
            #expect(wireFrames(try #require(try await stalled.next())) == [WireFrame(comment: "ping")])
            #expect(wireFrames(try #require(try await reader.next())) == [WireFrame(comment: "ping")])

            var received: [Int64] = []
            for batch in 0..<6 {
                try await fixture.commit((0..<4).map { event("a.b\(batch).e\($0)") })
                let (frames, _) = try await read(reader) { sequences($0).count >= 4 }
                received += sequences(frames)
            }
            #expect(received == Array(1...24))
            #expect(stalled.subscription.closeReason == .overflow)
            #expect(reader.subscription.closeReason == nil)
            #expect(try await stalled.next() == nil)
            #expect(fixture.hub.streamCount(credential: .apiKey(id: "slow")) == 0)
            reader.release()
        }
    }

    /// Live progress of one invocation is coalesced to its newest while the
    /// terminal event is kept.
    @Test func aSlowSubscriberSeesTheNewestProgressAndTheTerminal() async throws {
        try await withHub(limits: HubLimits(queueFrames: 4)) { (fixture) async throws in
            let stream = try await fixture.open(spec(), resumeAfter: nil)
            _ = try await stream.next()
            try await goLive(stream, hub: fixture.hub)
            try await fixture.commit([event("job.run.started", "inv")])
            for _ in 0..<10 { try await fixture.commit([event("job.run.progress", "inv")]) }
            try await fixture.commit([event("job.run.completed", "inv")])
            let frames = wireFrames(try #require(try await stream.next()))
            #expect(frames.map(\.event) == ["job.run.started", "job.run.progress", "job.run.completed"])
            #expect(sequences(frames) == [1, 11, 12])
            #expect(stream.subscription.closeReason == nil)
            stream.release()
        }
    }

    /// A subscriber that has not even finished its replay is not closed by
    /// live traffic: it reads the missed events from the log when it resumes.
    @Test func aSubscriberStalledInReplayCatchesUpFromTheLog() async throws {
        try await withHub(limits: HubLimits(queueFrames: 8)) { (fixture) async throws in
            let stream = try await fixture.open(spec(), resumeAfter: 0, lastEventID: "0")
            try await fixture.commit((1...30).map { event("a.e\($0)") })
            for i in 0..<10 { try await fixture.commit([event("a.more\(i)")]) }
            #expect(stream.subscription.closeReason == nil)
            let (frames, ended) = try await read(stream) { sequences($0).count >= 40 }
            #expect(!ended)
            #expect(sequences(frames) == Array(1...40))
            stream.release()
        }
    }

    @Test func runStreamClosesAfterItsTerminalEvent() async throws {
        try await withHub { (fixture) async throws in
            try await fixture.commit([
                event("job.run.started", "inv_1"), event("job.run.started", "inv_2"), event("job.run.progress", "inv_1"),
                event("noise.update"),
            ])
            let stream = try await fixture.open(spec(run: "inv_1"), resumeAfter: nil)
            _ = try await stream.next()
            let history = try await goLive(stream, hub: fixture.hub)
            #expect(sequences(history) == [1, 3])
            try await fixture.commit([event("job.run.completed", "inv_2"), event("job.run.completed", "inv_1"), event("later.thing")])
            let last = wireFrames(try #require(try await stream.next()))
            #expect(sequences(last) == [6])
            #expect(last.first?.event == "job.run.completed")
            #expect(try await stream.next() == nil)
            #expect(stream.subscription.closeReason == .finished)
            #expect(fixture.hub.streamCount == 0)
        }
    }

    @Test func runStreamOfAFinishedRunSendsItsHistoryAndCloses() async throws {
        try await withHub { (fixture) async throws in
            try await fixture.commit([
                event("job.run.started", "inv_1"), event("job.run.progress", "inv_1"), event("job.run.failed", "inv_1"),
                event("job.run.started", "inv_2"),
            ])
            let stream = try await fixture.open(spec(run: "inv_1"), resumeAfter: nil)
            _ = try await stream.next()
            let (frames, ended) = try await read(stream) { _ in false }
            #expect(ended)
            #expect(sequences(frames) == [1, 2, 3])
            #expect(stream.subscription.closeReason == .finished)
        }
    }

    @Test func runStreamWaitsForARunNotYetSeen() async throws {
        try await withHub { (fixture) async throws in
            let stream = try await fixture.open(spec(run: "inv_9"), resumeAfter: nil)
            _ = try await stream.next()
            #expect(try await goLive(stream, hub: fixture.hub).isEmpty)
            try await fixture.commit([event("job.run.started", "inv_9"), event("job.run.cancelled", "inv_9")])
            let (frames, ended) = try await read(stream) { _ in false }
            #expect(ended)
            #expect(sequences(frames) == [1, 2])
        }
    }

    @Test func heartbeatReachesIdleLiveStreams() async throws {
        try await withHub { (fixture) async throws in
            let stream = try await fixture.open(spec(), resumeAfter: nil)
            _ = try await stream.next()
            try await goLive(stream, hub: fixture.hub)
            fixture.hub.heartbeat()
            #expect(wireFrames(try #require(try await stream.next())) == [WireFrame(comment: "ping")])
            stream.release()
        }
    }

    @Test func expiredCredentialsAreClosedOnTick() async throws {
        try await withHub { (fixture) async throws in
            let expiring = StreamSpec(
                circle: acme, credential: .shareToken(jti: "j"), face: "member", subjects: .all, restriction: .all,
                expiresAt: Date(timeIntervalSince1970: 1000))
            let stream = try await fixture.open(expiring, resumeAfter: nil)
            fixture.hub.tick(now: Date(timeIntervalSince1970: 999))
            #expect(stream.subscription.closeReason == nil)
            fixture.hub.tick(now: Date(timeIntervalSince1970: 1000))
            #expect(stream.subscription.closeReason == .expired)
            _ = try await stream.next()
            #expect(try await stream.next() == nil)
        }
    }

    /// The sweep looks at streams only once the earliest expiry is due; after
    /// closing those, it must still find the next one when that is due.
    @Test func eachExpiryIsFoundWhenItIsDueAfterAnEarlierOne() async throws {
        try await withHub { (fixture) async throws in
            func expiring(at seconds: TimeInterval, jti: String) -> StreamSpec {
                StreamSpec(
                    circle: acme, credential: .shareToken(jti: jti), face: "member", subjects: .all, restriction: .all,
                    expiresAt: Date(timeIntervalSince1970: seconds))
            }
            let later = try await fixture.open(expiring(at: 2000, jti: "later"), resumeAfter: nil)
            let sooner = try await fixture.open(expiring(at: 1000, jti: "sooner"), resumeAfter: nil)
            let never = try await fixture.open(spec(), resumeAfter: nil)
            fixture.hub.tick(now: Date(timeIntervalSince1970: 1000))
            #expect(sooner.subscription.closeReason == .expired)
            #expect(later.subscription.closeReason == nil)
            fixture.hub.tick(now: Date(timeIntervalSince1970: 1999))
            #expect(later.subscription.closeReason == nil)
            // A stream opened after a sweep sets the next one too.
            let soonest = try await fixture.open(expiring(at: 1500, jti: "soonest"), resumeAfter: nil)
            fixture.hub.tick(now: Date(timeIntervalSince1970: 1500))
            #expect(soonest.subscription.closeReason == .expired)
            #expect(later.subscription.closeReason == nil)
            fixture.hub.tick(now: Date(timeIntervalSince1970: 2000))
            #expect(later.subscription.closeReason == .expired)
            #expect(never.subscription.closeReason == nil)
            never.release()
        }
    }
}
