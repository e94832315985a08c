import SluiceCore
import Testing

private func parse(_ text: String, limits: IngestLimits = IngestLimits()) throws(SluiceError) -> [EventInput] {
    try EventInput.parseBody(Array(text.utf8), limits: limits)
}

@Suite struct EventInputParsingTests {
    @Test func singleEventWithEveryField() throws {
        let events = try parse(
            """
            {"subject":"automation.execute.started","payload":{"input":{"n":1.50}},"invocation_id":"inv_7",
             "run_id":"run_1","actor":{"type":"agent","id":"a_1"},"trace_id":"4bf92f35","cache":"apply"}
            """)
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.subject.rawValue == "automation.execute.started")
        #expect(event.kind == "started")
        #expect(event.payload.jsonText == #"{"input":{"n":1.50}}"#)
        #expect(event.invocationID == "inv_7")
        #expect(event.runID == "run_1")
        #expect(event.actor == EventActor(type: .agent, id: "a_1"))
        #expect(event.traceID == "4bf92f35")
        #expect(event.cache == .apply)
    }

    @Test func defaults() throws {
        let event = try #require(try parse(#"{"subject":"a.b"}"#).first)
        #expect(event.payload == .object([]))
        #expect(event.invocationID == nil)
        #expect(event.runID == nil)
        #expect(event.actor == nil)
        #expect(event.traceID == nil)
        #expect(event.cache == .invalidate)
    }

    @Test func runIDDefaultsToInvocationID() throws {
        let event = try #require(try parse(#"{"subject":"a.started","invocation_id":"inv_1"}"#).first)
        #expect(event.runID == "inv_1")
        #expect(EventInput(subject: Subject("a")!, invocationID: "i").runID == "i")
        #expect(EventInput(subject: Subject("a")!, invocationID: "i", runID: "r").runID == "r")
    }

    @Test func nullOptionalFieldsAreAbsent() throws {
        let event = try #require(
            try parse(
                #"{"subject":"a","invocation_id":null,"run_id":null,"trace_id":null,"actor":null,"cache":null}"#
            ).first)
        #expect(event.invocationID == nil && event.runID == nil && event.traceID == nil && event.actor == nil)
        #expect(event.cache == .invalidate)
    }

    @Test func batchKeepsOrder() throws {
        let events = try parse(#"{"events":[{"subject":"a.one"},{"subject":"b.two","cache":"apply"},{"subject":"c.three"}]}"#)
        #expect(events.map(\.subject.rawValue) == ["a.one", "b.two", "c.three"])
        #expect(events.map(\.cache) == [.invalidate, .apply, .invalidate])
    }

    @Test(arguments: EventActor.Kind.allCases)
    func everyActorType(_ kind: EventActor.Kind) throws {
        let event = try #require(try parse(#"{"subject":"a","actor":{"type":"\#(kind.rawValue)"}}"#).first)
        #expect(event.actor == EventActor(type: kind, id: nil))
        #expect(event.actor?.json == .object([("type", .string(kind.rawValue))]))
    }

    @Test func actorJSONCarriesTheID() {
        #expect(EventActor(type: .user, id: "u_1").json.jsonText == #"{"type":"user","id":"u_1"}"#)
    }

    @Test(arguments: [("apply", CacheMode.apply), ("invalidate", CacheMode.invalidate)])
    func cacheModes(_ text: String, _ mode: CacheMode) throws {
        #expect(try parse(#"{"subject":"a","cache":"\#(text)"}"#).first?.cache == mode)
    }

    @Test func batchOfExactly1000IsAccepted() throws {
        let body = #"{"events":["# + Array(repeating: #"{"subject":"a.b"}"#, count: 1000).joined(separator: ",") + "]}"
        #expect(try parse(body).count == 1000)
    }

    @Test func batchOf1001IsRefused() {
        let body = #"{"events":["# + Array(repeating: #"{"subject":"a.b"}"#, count: 1001).joined(separator: ",") + "]}"
        let error = #expect(throws: SluiceError.self) { try parse(body) }
        #expect(error?.field == "events")
        #expect(error?.status == 400)
        #expect(error?.code == "invalid_request")
    }

    /// An event whose compact form is exactly the limit passes; one byte more is 413.
    @Test func perEventLimitIs64KiB() throws {
        let prefix = #"{"subject":"a.b","payload":{"s":""#
        let suffix = #""}}"#
        let fill = 64 * 1024 - prefix.utf8.count - suffix.utf8.count
        let atLimit = prefix + String(repeating: "x", count: fill) + suffix
        #expect(atLimit.utf8.count == 65536)
        #expect(try parse(atLimit).count == 1)

        let over = prefix + String(repeating: "x", count: fill + 1) + suffix
        let error = #expect(throws: SluiceError.self) { try parse(over) }
        #expect(error?.code == "payload_too_large")
        #expect(error?.status == 413)
    }

    @Test func perEventLimitAppliesInsideABatch() {
        let big = #"{"subject":"a","payload":{"s":""# + String(repeating: "x", count: 70_000) + #""}}"#
        let body = #"{"events":[{"subject":"a"},"# + big + "]}"
        let error = #expect(throws: SluiceError.self) { try parse(body) }
        #expect(error?.code == "payload_too_large")
        #expect(error?.status == 413)
        #expect(error?.detail.contains("events[1]") == true)
    }

    @Test func requestLimitIsCheckedBeforeParsing() {
        let limits = IngestLimits(maximumEventBytes: 200, maximumRequestBytes: 1000, maximumBatchCount: 3)
        let garbage = String(repeating: "!", count: 1001)
        let error = #expect(throws: SluiceError.self) { try parse(garbage, limits: limits) }
        #expect(error?.code == "payload_too_large")

        let defaultLimit = IngestLimits().maximumRequestBytes
        #expect(defaultLimit == 1 << 20)
        let justOver = #"{"subject":"a","payload":{"s":""# + String(repeating: "x", count: defaultLimit) + #""}}"#
        #expect(throws: SluiceError.payloadTooLarge("the request is over \(defaultLimit) bytes")) { try parse(justOver) }
    }

    @Test func customLimits() throws {
        let limits = IngestLimits(maximumEventBytes: 40, maximumRequestBytes: 1000, maximumBatchCount: 3)
        #expect(try parse(#"{"events":[{"subject":"a"},{"subject":"b"},{"subject":"c"}]}"#, limits: limits).count == 3)
        #expect(throws: SluiceError.self) {
            try parse(#"{"events":[{"subject":"a"},{"subject":"b"},{"subject":"c"},{"subject":"d"}]}"#, limits: limits)
        }
        let error = #expect(throws: SluiceError.self) {
            try parse(#"{"subject":"a","payload":{"long":"0123456789012345678901234567890"}}"#, limits: limits)
        }
        #expect(error?.code == "payload_too_large")
    }

    @Test(arguments: [
        (#"{"subject":5}"#, "subject"),
        (#"{}"#, "subject"),
        (#"{"payload":{}}"#, "subject"),
        (#"{"subject":"a..b"}"#, "subject"),
        (#"{"subject":"a.>"}"#, "subject"),
        (#"{"subject":""}"#, "subject"),
        (#"{"subject":"a","payload":[]}"#, "payload"),
        (#"{"subject":"a","payload":"x"}"#, "payload"),
        (#"{"subject":"a","payload":null}"#, "payload"),
        (#"{"subject":"a","invocation_id":7}"#, "invocation_id"),
        (#"{"subject":"a","invocation_id":""}"#, "invocation_id"),
        (#"{"subject":"a","invocation_id":"x\ty"}"#, "invocation_id"),
        (#"{"subject":"a","invocation_id":"x\u007fy"}"#, "invocation_id"),
        (#"{"subject":"a","run_id":true}"#, "run_id"),
        (#"{"subject":"a","trace_id":{}}"#, "trace_id"),
        (#"{"subject":"a","actor":"u1"}"#, "actor"),
        (#"{"subject":"a","actor":[]}"#, "actor"),
        (#"{"subject":"a","actor":{}}"#, "actor.type"),
        (#"{"subject":"a","actor":{"type":"robot"}}"#, "actor.type"),
        (#"{"subject":"a","actor":{"type":"User"}}"#, "actor.type"),
        (#"{"subject":"a","actor":{"type":1}}"#, "actor.type"),
        (#"{"subject":"a","actor":{"type":"user","id":5}}"#, "actor.id"),
        (#"{"subject":"a","actor":{"type":"user","name":"x"}}"#, "actor.name"),
        (#"{"subject":"a","cache":"replace"}"#, "cache"),
        (#"{"subject":"a","cache":true}"#, "cache"),
        (#"{"subject":"a","extra":1}"#, "extra"),
        (#"{"subject":"a","Subject":"b"}"#, "Subject"),
        (#"[]"#, "body"),
        (#""x""#, "body"),
        (#"42"#, "body"),
        (#"{"events":{}}"#, "events"),
        (#"{"events":[]}"#, "events"),
        (#"{"events":null}"#, "events"),
        (#"{"events":[{"subject":"a"}],"subject":"a"}"#, "body"),
        (#"{"events":[{"subject":"a"},{"subject":"b"},{"subject":5}]}"#, "events[2].subject"),
        (#"{"events":[{"subject":"a","actor":{"type":"x"}}]}"#, "events[0].actor.type"),
        (#"{"events":[{"subject":"a"},[]]}"#, "events[1]"),
        (#"{"events":[{"subject":"a"},{"subject":"a","bogus":1}]}"#, "events[1].bogus"),
        (#"{"events":[{"subject":"a"},{"subject":"a","payload":1},{"subject":7}]}"#, "events[1].payload"),
        (#"{"events":[{"subject":"a","actor":{"type":"user","id":""}}]}"#, "events[0].actor.id"),
    ])
    func invalidInputNamesTheField(_ body: String, _ field: String) {
        let error = #expect(throws: SluiceError.self) { try parse(body) }
        #expect(error?.field == field)
        #expect(error?.status == 400)
        #expect(error?.code == "invalid_request")
        #expect(error?.detail.hasPrefix(field + ":") == true)
    }

    @Test func identifiersAreAtMost128Bytes() throws {
        let ok = String(repeating: "i", count: 128)
        #expect(try parse(#"{"subject":"a","trace_id":"\#(ok)"}"#).first?.traceID == ok)
        let error = #expect(throws: SluiceError.self) { try parse(#"{"subject":"a","trace_id":"\#(ok)i"}"#) }
        #expect(error?.field == "trace_id")
    }

    @Test func unknownFieldNamesAreCutTo64Characters() {
        let name = String(repeating: "k", count: 300)
        let error = #expect(throws: SluiceError.self) { try parse(#"{"subject":"a","\#(name)":1}"#) }
        #expect(error?.field == String(repeating: "k", count: 64))
    }

    @Test(arguments: ["{", #"{"subject":"a","subject":"b"}"#, "", "\u{FF}", #"{"subject":"\ud800"}"#])
    func bodiesThatAreNotJSON(_ text: String) {
        let error = #expect(throws: SluiceError.self) { try parse(text) }
        #expect(error?.code == "invalid_json")
        #expect(error?.status == 400)
    }

    @Test func invalidUTF8BodyIsInvalidJSON() {
        let bytes: [UInt8] = Array(#"{"subject":"a","trace_id":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let error = #expect(throws: SluiceError.self) { try EventInput.parseBody(bytes, limits: IngestLimits()) }
        #expect(error?.code == "invalid_json")
    }
}
