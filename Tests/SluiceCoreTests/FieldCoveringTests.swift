import SluiceCore
import Testing

/// When one set of field paths keeps everything another keeps (a kept path
/// keeps its whole subtree; `*` is one key, `**` any number, zero included).
@Suite struct FieldCoveringTests {
    @Test(arguments: [
        (["**"], ["a.b"], true),
        (["**"], ["*"], true),
        (["**"], ["**"], true),
        (["payload.**"], ["payload"], true),
        (["payload.**"], ["payload.x.y"], true),
        (["payload.**"], ["actor"], false),
        (["payload"], ["payload.*"], true),
        (["payload"], ["payload.**"], true),
        (["payload.*"], ["payload.x"], true),
        (["payload.*"], ["payload"], false),
        (["payload.*"], ["payload.**"], false),
        (["a.*.c"], ["a.b.c"], true),
        (["a.*.c"], ["a.*.c"], true),
        (["a.*.c"], ["a.**.c"], false),
        (["a.**"], ["a.*.c"], true),
        (["a.b", "a.*"], ["a.*"], true),
        (["a.x"], ["a.*"], false),
        (["*.total"], ["payload.output.total"], false),
        (["**.total"], ["payload.output.total"], true),
        (["**.total"], ["total"], true),
        (["**.total"], ["**"], false),
        (["payload.output.total", "payload.progress.percent", "actor.type"], ["payload.output.total", "actor.type"], true),
        (["payload.output.total", "payload.progress.percent", "actor.type"], ["payload.output"], false),
        (["payload.output"], ["payload.output.total", "payload.output.*"], true),
        ([], ["a"], false),
        (["a"], [], true),
    ])
    func covers(own: [String], other: [String], expected: Bool) throws {
        #expect(try FieldSelector(own).covers(try FieldSelector(other)) == expected)
    }

    @Test func facesContainWhenSubjectsAndFieldsBothCover() throws {
        let member = Face(name: "member", subjects: .all, fields: try FieldSelector(["**"]))
        let widget = Face(
            name: "public-widget", subjects: try PatternList(["sales-board.*.completed"], field: "subjects"),
            fields: try FieldSelector(["payload.output.total"]))
        let otherSubjects = Face(
            name: "other", subjects: try PatternList(["payroll.>"], field: "subjects"), fields: try FieldSelector(["payload.output.total"]))
        #expect(member.contains(widget))
        #expect(!widget.contains(member))
        #expect(!widget.contains(otherSubjects))
        #expect(widget.contains(widget))
    }
}
