import SluiceCore
import Testing

private func face(_ name: String, _ subjects: [String], _ fields: [String]) -> Face {
    Face(name: name, subjects: try! PatternList(subjects, field: "subjects"), fields: try! FieldSelector(fields))
}

private let acme = CircleID("acme")!
private let beta = CircleID("beta")!

@Suite struct PolicySetTests {
    private let everyone = PolicySet.Document(
        circles: ["*"],
        faces: [face("member", [">"], ["**"]), face("public-widget", ["sales-board.>"], ["payload.output.total"])],
        source: "policies/default.yaml")
    private let acmeOnly = PolicySet.Document(
        circles: ["acme"], faces: [face("public-widget", ["sales-board.*.completed"], ["actor.type"])], source: "policies/acme.yaml")

    @Test func aCircleFaceReplacesTheWildcardFaceOfTheSameName() throws {
        let set = try PolicySet(documents: [everyone, acmeOnly])
        #expect(set.face("public-widget", for: acme) == acmeOnly.faces[0])
        #expect(set.face("public-widget", for: beta) == everyone.faces[1])
        #expect(set.face("member", for: acme) == everyone.faces[0])
        #expect(set.sources == ["policies/default.yaml", "policies/acme.yaml"])
    }

    @Test func orderOfDocumentsDoesNotMatterForReplacement() throws {
        let set = try PolicySet(documents: [acmeOnly, everyone])
        #expect(set.face("public-widget", for: acme) == acmeOnly.faces[0])
    }

    @Test func unknownFaceIsNil() throws {
        let set = try PolicySet(documents: [everyone, acmeOnly])
        #expect(set.face("admin", for: acme) == nil)
        #expect(set.face("", for: acme) == nil)
        #expect(PolicySet.empty.face("member", for: acme) == nil)
        #expect(PolicySet().faceNames(for: acme).isEmpty)
    }

    @Test func facesOfOneCircleOnlyApplyToIt() throws {
        let set = try PolicySet(documents: [acmeOnly])
        #expect(set.face("public-widget", for: acme) != nil)
        #expect(set.face("public-widget", for: beta) == nil)
        #expect(set.faceNames(for: acme) == ["public-widget"])
        #expect(set.faceNames(for: beta) == [])
    }

    @Test func faceNamesUnionWildcardAndOwn() throws {
        let own = PolicySet.Document(circles: ["acme"], faces: [face("auditor", [">"], ["payload"])], source: "b.yaml")
        let set = try PolicySet(documents: [everyone, own])
        #expect(set.faceNames(for: acme) == ["auditor", "member", "public-widget"])
        #expect(set.faceNames(for: beta) == ["member", "public-widget"])
    }

    @Test func sameFaceForTheWildcardInTwoDocumentsIsAnError() {
        let again = PolicySet.Document(circles: ["*"], faces: [face("member", ["a.>"], [])], source: "policies/other.yaml")
        let error = #expect(throws: SluiceError.self) { try PolicySet(documents: [everyone, again]) }
        #expect(error?.code == "invalid_policy")
        #expect(error?.detail.contains("policies/other.yaml") == true)
        #expect(error?.detail.contains("policies/default.yaml") == true)
        #expect(error?.detail.contains("member") == true)
    }

    @Test func sameFaceForTheSameCircleInTwoDocumentsIsAnError() {
        let again = PolicySet.Document(circles: ["beta", "acme"], faces: [face("public-widget", [">"], [])], source: "c.yaml")
        let error = #expect(throws: SluiceError.self) { try PolicySet(documents: [acmeOnly, again]) }
        #expect(error?.code == "invalid_policy")
        #expect(error?.detail.contains("acme") == true)
    }

    @Test func sameFaceForDifferentCirclesIsFine() throws {
        let forBeta = PolicySet.Document(circles: ["beta"], faces: [face("public-widget", [">"], [])], source: "d.yaml")
        let set = try PolicySet(documents: [acmeOnly, forBeta])
        #expect(set.face("public-widget", for: beta) == forBeta.faces[0])
        #expect(set.face("public-widget", for: acme) == acmeOnly.faces[0])
    }
}
