import SluiceCore
import Testing

/// The retry schedule and the address rules of webhook delivery, without I/O.
@Suite struct WebhookRulesTests {
    let schedule = RetrySchedule(delays: [5, 300, 1800])

    @Test func successAndGone() {
        for code in [200, 201, 204, 299] {
            #expect(schedule.decide(attempt: 1, outcome: .status(code, retryAfterSeconds: nil), nowMilliseconds: 0, jitter: 0) == .succeeded)
        }
        #expect(schedule.decide(attempt: 1, outcome: .status(410, retryAfterSeconds: nil), nowMilliseconds: 0, jitter: 0) == .gone)
        #expect(schedule.decide(attempt: 9, outcome: .status(410, retryAfterSeconds: nil), nowMilliseconds: 0, jitter: 0) == .gone)
    }

    @Test(arguments: [301, 302, 307, 400, 404, 500, 502])
    func everythingElseIsRetriedOnSchedule(code: Int) {
        #expect(
            schedule.decide(attempt: 1, outcome: .status(code, retryAfterSeconds: 999), nowMilliseconds: 1000, jitter: 0)
                == .retry(atMilliseconds: 6000))
        #expect(
            schedule.decide(attempt: 2, outcome: .status(code, retryAfterSeconds: nil), nowMilliseconds: 0, jitter: 0)
                == .retry(atMilliseconds: 300_000))
        #expect(schedule.decide(attempt: 4, outcome: .status(code, retryAfterSeconds: nil), nowMilliseconds: 0, jitter: 0) == .failed)
    }

    @Test func jitterIsAtMostTenPercent() {
        #expect(schedule.decide(attempt: 2, outcome: .error("timeout"), nowMilliseconds: 0, jitter: 1) == .retry(atMilliseconds: 330_000))
        #expect(schedule.decide(attempt: 2, outcome: .error("timeout"), nowMilliseconds: 0, jitter: 0.5) == .retry(atMilliseconds: 315_000))
        #expect(schedule.decide(attempt: 2, outcome: .error("timeout"), nowMilliseconds: 0, jitter: 7) == .retry(atMilliseconds: 330_000))
        #expect(schedule.decide(attempt: 3, outcome: .error("x"), nowMilliseconds: 0, jitter: 0) == .retry(atMilliseconds: 1_800_000))
        #expect(schedule.decide(attempt: 4, outcome: .error("x"), nowMilliseconds: 0, jitter: 0) == .failed)
    }

    @Test func retryAfterOn429And503WhenLonger() {
        #expect(
            schedule.decide(attempt: 1, outcome: .status(429, retryAfterSeconds: 60), nowMilliseconds: 0, jitter: 0) == .retry(atMilliseconds: 60_000)
        )
        #expect(
            schedule.decide(attempt: 1, outcome: .status(503, retryAfterSeconds: 2), nowMilliseconds: 0, jitter: 0) == .retry(atMilliseconds: 5000))
        #expect(
            schedule.decide(attempt: 1, outcome: .status(503, retryAfterSeconds: 10_000_000), nowMilliseconds: 0, jitter: 0)
                == .retry(atMilliseconds: RetrySchedule.longestRetryAfterSeconds * 1000))
        #expect(RetrySchedule.retryAfterSeconds(" 120 ") == 120)
        #expect(RetrySchedule.retryAfterSeconds("-1") == nil)
        #expect(RetrySchedule.retryAfterSeconds("99999999999999999999") == nil)
        #expect(RetrySchedule.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
    }

    @Test func fiveDaysOfFailuresDisable() {
        #expect(!RetrySchedule.shouldDisable(failingSinceMilliseconds: nil, nowMilliseconds: 1 << 40))
        #expect(!RetrySchedule.shouldDisable(failingSinceMilliseconds: 0, nowMilliseconds: 5 * 86_400_000 - 1))
        #expect(RetrySchedule.shouldDisable(failingSinceMilliseconds: 0, nowMilliseconds: 5 * 86_400_000))
    }

    @Test(
        arguments: [
            [127, 0, 0, 1], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1], [169, 254, 169, 254], [0, 0, 0, 0],
            [100, 64, 0, 1], [224, 0, 0, 1], [255, 255, 255, 255],
        ] as [[UInt8]])
    func restrictedIPv4(address: [UInt8]) {
        #expect(TargetAddress.isRestricted(address))
    }

    @Test func publicAddresses() {
        #expect(!TargetAddress.isRestricted([93, 184, 216, 34]))
        #expect(!TargetAddress.isRestricted([172, 32, 0, 1]))
        #expect(!TargetAddress.isRestricted([100, 128, 0, 1]))
        var v6 = [UInt8](repeating: 0, count: 16)
        v6[0] = 0x26
        v6[1] = 0x06
        #expect(!TargetAddress.isRestricted(v6))
    }

    @Test func restrictedIPv6() {
        func v6(_ prefix: [UInt8], tail: [UInt8] = []) -> [UInt8] {
            var bytes = prefix + [UInt8](repeating: 0, count: 16 - prefix.count - tail.count)
            bytes += tail
            return bytes
        }
        #expect(TargetAddress.isRestricted(v6([], tail: [1])))  // ::1
        #expect(TargetAddress.isRestricted(v6([])))  // ::
        #expect(TargetAddress.isRestricted(v6([0xFC, 0x00])))
        #expect(TargetAddress.isRestricted(v6([0xFD, 0x12])))
        #expect(TargetAddress.isRestricted(v6([0xFE, 0x80])))
        #expect(TargetAddress.isRestricted(v6([0xFF, 0x02])))
        #expect(TargetAddress.isRestricted(v6([], tail: [0xFF, 0xFF, 127, 0, 0, 1])))  // ::ffff:127.0.0.1
        #expect(!TargetAddress.isRestricted(v6([], tail: [0xFF, 0xFF, 93, 184, 216, 34])))
        #expect(TargetAddress.isRestricted(v6([0x00, 0x64, 0xFF, 0x9B], tail: [10, 0, 0, 1])))  // NAT64 of 10.0.0.1
        #expect(TargetAddress.isRestricted([1, 2, 3]))
    }
}
