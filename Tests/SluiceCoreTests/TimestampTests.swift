import Foundation
import SluiceCore
import Testing

@Suite struct TimestampTests {
    @Test(
        arguments: [
            (0, "1970-01-01T00:00:00.000Z"),
            (1, "1970-01-01T00:00:00.001Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (1_773_921_600_123, "2026-03-19T12:00:00.123Z"),
            (1_709_164_800_000, "2024-02-29T00:00:00.000Z"),
            (1_709_251_200_000, "2024-03-01T00:00:00.000Z"),
            (1_677_628_800_000, "2023-03-01T00:00:00.000Z"),
            (951_868_799_999, "2000-02-29T23:59:59.999Z"),
            (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (94_694_399_999, "1972-12-31T23:59:59.999Z"),
            (2_147_483_648_000, "2038-01-19T03:14:08.000Z"),
            (-2_208_988_800_000, "1900-01-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ] as [(Int64, String)])
    func rfc3339(_ milliseconds: Int64, _ expected: String) {
        #expect(Timestamp(milliseconds: milliseconds).rfc3339 == expected)
    }

    /// Seeded random instants between 1970 and 2200, checked against the
    /// Gregorian calendar of Foundation.
    @Test func agreesWithFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var rng = SplitMix64(seed: 3339)
        for _ in 0..<2000 {
            let ms = Int64.random(in: 0..<7_258_118_400_000, using: &rng)
            let date = Date(timeIntervalSince1970: TimeInterval(ms / 1000))
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!,
                Int(ms % 1000))
            let actual = Timestamp(milliseconds: ms).rfc3339
            if actual != expected {
                Issue.record("\(ms): \(actual) != \(expected)")
                return
            }
        }
    }

    @Test func ordersByMilliseconds() {
        #expect(Timestamp(milliseconds: 1) < Timestamp(milliseconds: 2))
        #expect(!(Timestamp(milliseconds: 2) < Timestamp(milliseconds: 2)))
        #expect(Timestamp(milliseconds: 5) == Timestamp(milliseconds: 5))
    }
}
