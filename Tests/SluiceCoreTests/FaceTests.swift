import SluiceCore
import Testing

private let acme = CircleID("acme")!

private func storedEvent(
    subject: String = "automation.execute.completed", payload: JSONValue, cache: CacheMode = .apply,
    invocation: String? = "inv_7", actor: EventActor? = EventActor(type: .user, id: "u_1"), trace: String? = "4bf92f35"
) -> StoredEvent {
    StoredEvent(
        sequence: 42, circle: acme,
        input: EventInput(subject: Subject(subject)!, payload: payload, invocationID: invocation, actor: actor, traceID: trace, cache: cache),
        timestamp: Timestamp(milliseconds: 1_773_921_600_123))
}

private func face(_ subjects: [String] = [">"], _ fields: [String]) throws -> Face {
    Face(name: "test", subjects: try PatternList(subjects, field: "subjects"), fields: try FieldSelector(fields))
}

private func json(_ text: String) -> JSONValue { try! JSONValue.parse(text) }

private let samplePayload = json(#"{"output":{"total":3,"secret":"s"},"progress":{"percent":50,"eta":9},"note":"n"}"#)

@Suite struct FaceRenderTests {
    /// The `member` face with `**` sees exactly the stored envelope of section 3.
    @Test func memberFaceSeesTheWholeEnvelope() throws {
        let event = storedEvent(payload: json(#"{"output":{"total":3}}"#))
        let view = try #require(try face([">"], ["**"]).render(event))
        #expect(view == event.envelope)
        #expect(
            view.jsonText == """
                {"id":"42","circle":"acme","subject":"automation.execute.completed","kind":"completed",\
                "invocation_id":"inv_7","run_id":"inv_7","actor":{"type":"user","id":"u_1"},"trace_id":"4bf92f35",\
                "cache":"apply","redacted":false,"payload":{"output":{"total":3}},"timestamp":"2026-03-19T12:00:00.123Z"}
                """)
    }

    @Test func alwaysKeptFieldsSurviveAnEmptyFieldList() throws {
        let view = try #require(try face([">"], []).render(storedEvent(payload: samplePayload)))
        #expect(view.objectMembers?.map(\.0) == ["id", "subject", "kind", "cache", "redacted", "payload", "timestamp"])
        #expect(view["payload"] == .object([]))
        #expect(view["redacted"] == .bool(true))
        #expect(view["cache"] == .string("invalidate"))
    }

    @Test func publicWidgetFaceOfTheContract() throws {
        let widget = try face(
            ["sales-board.*.completed", "sales-board.*.progress"],
            ["payload.output.total", "payload.progress.percent", "actor.type"])
        let view = try #require(widget.render(storedEvent(subject: "sales-board.update.completed", payload: samplePayload)))
        #expect(
            view.jsonText == """
                {"id":"42","subject":"sales-board.update.completed","kind":"completed","actor":{"type":"user"},\
                "cache":"invalidate","redacted":true,"payload":{"output":{"total":3},"progress":{"percent":50}},\
                "timestamp":"2026-03-19T12:00:00.123Z"}
                """)
        #expect(widget.render(storedEvent(subject: "sales-board.update.started", payload: samplePayload)) == nil)
        #expect(widget.render(storedEvent(subject: "automation.update.completed", payload: samplePayload)) == nil)
    }

    @Test func subjectNotAllowedRendersNothing() throws {
        #expect(try face(["other.>"], ["**"]).render(storedEvent(payload: samplePayload)) == nil)
    }

    @Test func starMatchesOneKeyAndKeepsItsSubtree() throws {
        let all = try #require(try face([">"], ["payload.*"]).render(storedEvent(payload: samplePayload)))
        #expect(all["payload"] == samplePayload)
        #expect(all["redacted"] == .bool(false))
        #expect(all["cache"] == .string("apply"))

        let totals = try #require(try face([">"], ["payload.*.total"]).render(storedEvent(payload: samplePayload)))
        #expect(totals["payload"] == json(#"{"output":{"total":3}}"#))
        #expect(totals["redacted"] == .bool(true))

        let actorFields = try #require(try face([">"], ["actor.*"]).render(storedEvent(payload: .object([]))))
        #expect(actorFields["actor"] == json(#"{"type":"user","id":"u_1"}"#))
    }

    @Test func doubleStarMatchesZeroOrMoreKeys() throws {
        let payload = json(#"{"total":1,"output":{"total":2,"deep":{"total":3,"x":0}},"other":4}"#)
        let view = try #require(try face([">"], ["payload.**.total"]).render(storedEvent(payload: payload)))
        #expect(view["payload"] == json(#"{"total":1,"output":{"total":2,"deep":{"total":3}}}"#))
        #expect(view["redacted"] == .bool(true))

        let everything = try #require(try face([">"], ["payload.**"]).render(storedEvent(payload: payload)))
        #expect(everything["payload"] == payload)
        #expect(everything["redacted"] == .bool(false))
        #expect(everything["circle"] == nil)

        let anywhere = try #require(try face([">"], ["**.type"]).render(storedEvent(payload: json(#"{"a":{"type":"t","b":1}}"#))))
        #expect(anywhere["actor"] == json(#"{"type":"user"}"#))
        #expect(anywhere["payload"] == json(#"{"a":{"type":"t"}}"#))
    }

    @Test func arraysAreTransparent() throws {
        let payload = json(#"{"items":[{"id":1,"secret":"s"},{"id":2},{"other":3},[{"id":4}],5],"tags":["a","b"]}"#)
        let view = try #require(try face([">"], ["payload.items.id", "payload.tags"]).render(storedEvent(payload: payload)))
        #expect(view["payload"] == json(#"{"items":[{"id":1},{"id":2},[{"id":4}]],"tags":["a","b"]}"#))
        #expect(view["redacted"] == .bool(true))
    }

    @Test func aMatchedObjectPathKeepsItsWholeSubtree() throws {
        let view = try #require(try face([">"], ["payload.output"]).render(storedEvent(payload: samplePayload)))
        #expect(view["payload"] == json(#"{"output":{"total":3,"secret":"s"}}"#))
    }

    @Test func emptyPayloadIsNotRedacted() throws {
        let view = try #require(try face([">"], ["actor.type"]).render(storedEvent(payload: .object([]))))
        #expect(view["payload"] == .object([]))
        #expect(view["redacted"] == .bool(false))
        #expect(view["cache"] == .string("apply"))
    }

    @Test func removingEnvelopeFieldsOutsidePayloadIsNotRedaction() throws {
        let view = try #require(try face([">"], ["payload"]).render(storedEvent(payload: samplePayload)))
        #expect(view["payload"] == samplePayload)
        #expect(view["redacted"] == .bool(false))
        #expect(view["cache"] == .string("apply"))
        for key in ["circle", "invocation_id", "run_id", "actor", "trace_id"] { #expect(view[key] == nil) }
    }

    @Test func anyPayloadRemovalForcesInvalidate() throws {
        let view = try #require(try face([">"], ["payload.note"]).render(storedEvent(payload: samplePayload, cache: .apply)))
        #expect(view["payload"] == json(#"{"note":"n"}"#))
        #expect(view["redacted"] == .bool(true))
        #expect(view["cache"] == .string("invalidate"))
    }

    @Test func removingAnEmptyObjectInsidePayloadIsRedaction() throws {
        let view = try #require(try face([">"], ["payload.a.b"]).render(storedEvent(payload: json(#"{"a":{}}"#))))
        #expect(view["payload"] == .object([]))
        #expect(view["redacted"] == .bool(true))
    }

    @Test func envelopeFieldsNeedAPath() throws {
        let view = try #require(
            try face([">"], ["circle", "invocation_id", "run_id", "trace_id", "actor.id"]).render(storedEvent(payload: .object([]))))
        #expect(view["circle"] == .string("acme"))
        #expect(view["invocation_id"] == .string("inv_7"))
        #expect(view["run_id"] == .string("inv_7"))
        #expect(view["trace_id"] == .string("4bf92f35"))
        #expect(view["actor"] == json(#"{"id":"u_1"}"#))
    }

    @Test func nullEnvelopeFieldsAreKeptOnlyWhenAllowed() throws {
        let event = storedEvent(payload: .object([]), invocation: nil, actor: nil, trace: nil)
        let member = try #require(try face([">"], ["**"]).render(event))
        #expect(member["invocation_id"] == .null)
        #expect(member["actor"] == .null)
        let narrow = try #require(try face([">"], ["payload"]).render(event))
        #expect(narrow["invocation_id"] == nil)
        #expect(narrow["actor"] == nil)
    }

    @Test(arguments: ["", "a..b", ".a", "a.", "payload..x", "."])
    func emptyKeysInPathsAreRefused(_ path: String) {
        let error = #expect(throws: SluiceError.self) { try FieldSelector(["payload", path]) }
        #expect(error?.code == "invalid_policy")
    }

    @Test(arguments: [
        ("member", true), ("public-widget", true), ("a_b", true), ("0", true), ("-a", false), ("_a", false),
        ("Member", false), ("", false), ("a.b", false), (String(repeating: "f", count: 64), true),
        (String(repeating: "f", count: 65), false),
    ])
    func faceNames(_ name: String, _ valid: Bool) {
        #expect(Face.isValidName(name) == valid)
    }
}

/// The redaction property, checked against an independent, naive reading of
/// section 5 over seeded random payloads and allow-lists: the output holds
/// exactly the input's leaves that some allowed path covers.
@Suite struct FaceRedactionPropertyTests {
    /// Whether `pattern` (dot-split, with `*` and `**`) matches `keys` exactly.
    static func pathMatches(_ pattern: ArraySlice<String>, _ keys: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return keys.isEmpty }
        if first == "**" {
            if pathMatches(pattern.dropFirst(), keys) { return true }
            return !keys.isEmpty && pathMatches(pattern, keys.dropFirst())
        }
        guard let key = keys.first, first == "*" || first == key else { return false }
        return pathMatches(pattern.dropFirst(), keys.dropFirst())
    }

    /// A key path is covered when an allowed path matches it or one of its prefixes.
    static func covered(_ keys: [String], by paths: [[String]]) -> Bool {
        paths.contains { path in (1...max(1, keys.count)).contains { pathMatches(path[...], keys.prefix($0)) } }
    }

    /// Leaves (scalars, empty objects, empty arrays) with their key paths;
    /// array elements share their array's path.
    static func leaves(_ value: JSONValue, _ path: [String] = [], into out: inout [(path: [String], value: JSONValue)]) {
        switch value {
        case .object(let members) where !members.isEmpty:
            for (key, child) in members { leaves(child, path + [key], into: &out) }
        case .array(let elements) where !elements.isEmpty:
            for element in elements { leaves(element, path, into: &out) }
        default:
            out.append((path, value))
        }
    }

    static func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        let keys = ["a", "b", "c", "type", "id"]
        switch depth >= 4 ? rng.int(0...3) : rng.int(0...6) {
        case 0: return .number(String(rng.int(0...99)))
        case 1: return .string(rng.pick(["x", "y", ""]))
        case 2: return rng.chance(0.5) ? .null : .bool(rng.chance(0.5))
        case 3: return rng.chance(0.8) ? .number("7") : .object([])
        case 4: return .array((0..<rng.int(0...3)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var members: [(String, JSONValue)] = []
            for key in keys where rng.chance(0.45) { members.append((key, randomValue(&rng, depth: depth + 1))) }
            return .object(members)
        }
    }

    static func randomPath(_ rng: inout SplitMix64) -> [String] {
        let first = rng.pick(["payload", "payload", "payload", "actor", "circle", "invocation_id", "trace_id", "*", "**"])
        let rest = (0..<rng.int(0...3)).map { _ in rng.pick(["a", "b", "c", "type", "id", "*", "**"]) }
        return [first] + rest
    }

    @Test(arguments: 0..<60 as Range<UInt64>)
    func outputHoldsExactlyTheCoveredLeaves(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed ^ 0xFACE)
        for round in 0..<25 {
            var members: [(String, JSONValue)] = []
            if !rng.chance(0.1) {
                for key in ["a", "b", "c", "type"] where rng.chance(0.6) {
                    members.append((key, Self.randomValue(&rng, depth: 1)))
                }
            }
            let payload = JSONValue.object(members)
            let event = storedEvent(
                payload: payload, cache: rng.chance(0.5) ? .apply : .invalidate,
                invocation: rng.chance(0.5) ? "inv" : nil,
                actor: rng.chance(0.7) ? EventActor(type: .agent, id: rng.chance(0.5) ? "ag" : nil) : nil,
                trace: rng.chance(0.5) ? "t" : nil)
            let paths = (0..<rng.int(0...4)).map { _ in Self.randomPath(&rng) }
            let context = "seed \(seed) round \(round) paths \(paths.map { $0.joined(separator: ".") }) payload \(payload.jsonText)"

            let view = try #require(try face([">"], paths.map { $0.joined(separator: ".") }).render(event), "\(context)")
            guard case .object(let viewMembers) = view, case .object(let envelopeMembers) = event.envelope else {
                Issue.record("not an object: \(context)")
                return
            }

            // Always-kept keys are there; `payload` is always an object.
            for key in Face.alwaysKept { #expect(view[key] != nil, "\(key) missing: \(context)") }
            #expect(view["payload"]?.objectMembers != nil, "\(context)")

            // Leaves of the input, outside the always-kept keys.
            var inputLeaves: [(path: [String], value: JSONValue)] = []
            for (key, value) in envelopeMembers where !Face.alwaysKept.contains(key) {
                Self.leaves(value, [key], into: &inputLeaves)
            }
            var outputLeaves: [(path: [String], value: JSONValue)] = []
            for (key, value) in viewMembers where !Face.alwaysKept.contains(key) {
                if key == "payload", value == .object([]) { continue }  // the placeholder for an empty view
                Self.leaves(value, [key], into: &outputLeaves)
            }
            func render(_ leaves: [(path: [String], value: JSONValue)]) -> [String] {
                leaves.map { $0.path.joined(separator: ".") + "=" + $0.value.jsonText }.sorted()
            }

            // Nothing uncovered is shown...
            for leaf in outputLeaves where !Self.covered(leaf.path, by: paths) {
                Issue.record("uncovered \(leaf.path) in output: \(context)")
            }
            // ...and every covered leaf of the input is there, as often as in the input.
            let expected = inputLeaves.filter { leaf in
                // An empty payload is the placeholder, not a leaf anyone asked for.
                !(leaf.path == ["payload"] && leaf.value == .object([])) && Self.covered(leaf.path, by: paths)
            }
            #expect(render(outputLeaves) == render(expected), "\(context)")

            // Redaction flag and cache follow section 5.
            let removedFromPayload = inputLeaves.contains { $0.path.first == "payload" && $0.path.count > 1 && !Self.covered($0.path, by: paths) }
            #expect(view["redacted"] == .bool(removedFromPayload), "\(context)")
            let cache = removedFromPayload ? "invalidate" : event.input.cache.rawValue
            #expect(view["cache"] == .string(cache), "\(context)")
        }
    }

    @Test func naiveMatcherSanity() {
        #expect(Self.pathMatches(["**"], []))
        #expect(Self.pathMatches(["payload", "**", "total"], ["payload", "total"]))
        #expect(Self.pathMatches(["payload", "**", "total"], ["payload", "a", "b", "total"]))
        #expect(!Self.pathMatches(["payload", "*", "total"], ["payload", "total"]))
        #expect(Self.covered(["payload", "a", "b"], by: [["payload", "a"]]))
        #expect(!Self.covered(["payload", "a"], by: [["payload", "a", "b"]]))
        #expect(!Self.covered(["payload"], by: []))
    }
}
