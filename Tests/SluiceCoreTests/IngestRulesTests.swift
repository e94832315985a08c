import SluiceCore
import Testing

@Suite struct TokenBucketTests {
    @Test func aBurstOfOneSecondThenTheRate() {
        var bucket = TokenBucket(rate: 10, now: 0)
        #expect(bucket.take(10, at: 0) == .admitted)
        #expect(bucket.take(1, at: 0) == .refused(retryAfterSeconds: 1))
        // Half a second refills half the rate.
        #expect(bucket.take(5, at: 0.5) == .admitted)
        #expect(bucket.take(1, at: 0.5) == .refused(retryAfterSeconds: 1))
        // Idle for long, it never holds more than one second's worth.
        #expect(bucket.take(6, at: 100) == .admitted)
        #expect(bucket.take(5, at: 100) == .refused(retryAfterSeconds: 1))
        #expect(bucket.take(4, at: 100) == .admitted)
    }

    @Test func aRefusedBatchTakesNothing() {
        var bucket = TokenBucket(rate: 10, now: 0)
        #expect(bucket.take(8, at: 0) == .admitted)
        #expect(bucket.take(5, at: 0) == .refused(retryAfterSeconds: 1))
        #expect(bucket.take(2, at: 0) == .admitted)
    }

    @Test func aBatchOverTheBurstPassesFromAFullBucketAndLeavesADebt() {
        var bucket = TokenBucket(rate: 10, now: 0)
        #expect(bucket.take(1, at: 0) == .admitted)
        #expect(bucket.take(30, at: 0) == .refused(retryAfterSeconds: 1))
        #expect(bucket.take(30, at: 0.1) == .admitted)
        #expect(bucket.tokens == -20)
        // Two more seconds to pay the debt and fill the bucket again.
        #expect(bucket.take(10, at: 1.1) == .refused(retryAfterSeconds: 2))
        #expect(bucket.take(10, at: 3.1) == .admitted)
    }

    @Test func aBucketIsFullAgainAfterOneSecondOfRest() {
        var bucket = TokenBucket(rate: 10, now: 0)
        #expect(bucket.isFull(at: 0))
        #expect(bucket.take(10, at: 0) == .admitted)
        #expect(!bucket.isFull(at: 0.5))
        #expect(bucket.isFull(at: 1))
    }

    @Test func aClockThatStepsBackAddsNothing() {
        var bucket = TokenBucket(rate: 10, now: 100)
        #expect(bucket.take(10, at: 100) == .admitted)
        #expect(bucket.take(1, at: 50) == .refused(retryAfterSeconds: 1))
        #expect(bucket.take(1, at: 100.2) == .admitted)
    }

    @Test func aNewRateKeepsWhatIsSavedWithinTheNewBurst() {
        var bucket = TokenBucket(rate: 100, now: 0)
        #expect(bucket.take(97, at: 0) == .admitted)
        bucket.setRate(5, at: 0)
        #expect(bucket.tokens == 3)
        #expect(bucket.take(4, at: 0) == .refused(retryAfterSeconds: 1))
        #expect(bucket.take(3, at: 0) == .admitted)
    }
}

@Suite struct CacheRuleTests {
    @Test(arguments: ["failed", "cancelled"])
    func failedAndCancelledAlwaysInvalidate(_ kind: String) throws {
        let parsed = try EventInput.parse(try JSONValue.parse(#"{"subject":"job.run.\#(kind)","cache":"apply","payload":{"a":1}}"#))
        #expect(parsed.cache == .invalidate)
        #expect(EventInput(subject: Subject("job.run.\(kind)")!, cache: .apply).cache == .invalidate)
    }

    @Test(arguments: ["completed", "progress", "started", "update"])
    func otherKindsKeepWhatWasSent(_ kind: String) throws {
        let parsed = try EventInput.parse(try JSONValue.parse(#"{"subject":"job.run.\#(kind)","cache":"apply"}"#))
        #expect(parsed.cache == .apply)
    }
}
