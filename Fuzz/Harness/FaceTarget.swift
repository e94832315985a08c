import SluiceCore

/// What the policy loader feeds: field selectors (one per line, the first
/// line a subject pattern list) compiled into a face, then applied to a
/// fixed event. Yams itself stays out of the binary.
enum FaceTarget {
    static let event: StoredEvent = {
        let payload = try? JSONValue.parse(
            #"{"output":{"total":3,"items":[{"sku":"a","price":1},{"sku":"b"}]},"progress":{"percent":40},"customer":{"name":"x","email":"y"}}"#)
        let input = EventInput(
            subject: Subject("sales-board.b1.completed") ?? Subject(">") ?? Subject("a")!, payload: payload ?? .null, invocationID: "i1",
            actor: EventActor(type: .user, id: "u1"))
        return StoredEvent(sequence: 7, circle: CircleID("acme")!, input: input, timestamp: Timestamp(milliseconds: 0))
    }()

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first, let subjects = try? PatternList(commaSeparated: first, field: "subjects") else { return }
        guard let fields = try? FieldSelector(Array(lines.dropFirst().prefix(64))) else { return }
        let face = Face(name: "fuzz", subjects: subjects, fields: fields)
        if let rendered = face.render(event) {
            require((try? JSONValue.parse(rendered.jsonText)) == rendered, "a rendered event does not read back")
        }
    }
}
