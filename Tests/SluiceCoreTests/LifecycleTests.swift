import SluiceCore
import Testing

private func event(_ subject: String, _ invocation: String?) -> EventInput {
    EventInput(subject: Subject(subject)!, invocationID: invocation)
}

@Suite struct LifecycleTests {
    @Test func firstEventStartsTheInvocation() throws {
        #expect(try Lifecycle.next(after: nil, kind: "started", invocation: "i") == .open)
    }

    @Test(arguments: ["progress", "completed", "failed", "cancelled"])
    func firstEventMustBeStarted(_ kind: String) {
        let error = #expect(throws: SluiceError.self) { try Lifecycle.next(after: nil, kind: kind, invocation: "inv_1") }
        #expect(error?.code == "lifecycle_violation")
        #expect(error?.status == 409)
        #expect(error?.detail.contains("first event must be 'started'") == true)
        #expect(error?.detail.contains("inv_1") == true)
    }

    @Test func exactlyOneStarted() {
        let error = #expect(throws: SluiceError.self) { try Lifecycle.next(after: .open, kind: "started", invocation: "i") }
        #expect(error?.code == "lifecycle_violation")
        #expect(error?.detail.contains("exactly one 'started'") == true)
    }

    @Test func anyNumberOfProgress() throws {
        var phase: InvocationPhase? = try Lifecycle.next(after: nil, kind: "started", invocation: "i")
        for _ in 0..<100 { phase = try Lifecycle.next(after: phase, kind: "progress", invocation: "i") }
        #expect(phase == .open)
    }

    @Test(arguments: ["completed", "failed", "cancelled"])
    func terminalKindsEndTheInvocation(_ kind: String) throws {
        #expect(Lifecycle.terminalKinds.contains(kind))
        #expect(try Lifecycle.next(after: .open, kind: kind, invocation: "i") == .terminated)
    }

    @Test(arguments: ["started", "progress", "completed", "failed", "cancelled"])
    func nothingAfterTerminal(_ kind: String) {
        let error = #expect(throws: SluiceError.self) { try Lifecycle.next(after: .terminated, kind: kind, invocation: "i") }
        #expect(error?.code == "lifecycle_violation")
        #expect(error?.detail.contains("nothing may follow a terminal event") == true)
    }

    @Test(arguments: [nil, InvocationPhase.open, .terminated], ["update", "Started", "complete", "progressing"])
    func nonLifecycleKindWithInvocationIsRefused(_ phase: InvocationPhase?, _ kind: String) {
        let error = #expect(throws: SluiceError.self) { try Lifecycle.next(after: phase, kind: kind, invocation: "i") }
        #expect(error?.code == "lifecycle_violation")
        #expect(error?.detail.contains("is not one of") == true)
    }

    @Test func eventsWithoutInvocationAreNotChecked() throws {
        let phases = try Lifecycle.apply([event("a.update", nil), event("a.completed", nil), event("a.progress", nil)], known: [:])
        #expect(phases.isEmpty)
    }

    @Test func aWholeLifecycleInOneBatch() throws {
        let batch = [
            event("job.run.started", "i1"), event("job.run.progress", "i1"), event("other.update", nil),
            event("job.run.started", "i2"), event("job.run.progress", "i1"), event("job.run.completed", "i1"),
        ]
        let phases = try Lifecycle.apply(batch, known: [:])
        #expect(phases == ["i1": .terminated, "i2": .open])
    }

    @Test func knownPhasesContinue() throws {
        #expect(try Lifecycle.apply([event("x.progress", "i"), event("x.failed", "i")], known: ["i": .open]) == ["i": .terminated])
        #expect(try Lifecycle.apply([event("x.started", "new")], known: ["i": .terminated]) == ["new": .open])
    }

    @Test(
        arguments: [
            ([("x.started", "i")], ["i": InvocationPhase.open]),
            ([("x.progress", "i")], ["i": .terminated]),
            ([("x.progress", "i")], [:]),
            ([("x.started", "i"), ("x.completed", "i"), ("x.progress", "i")], [:]),
            ([("x.started", "i"), ("x.started", "i")], [:]),
            ([("x.started", "i"), ("x.update", "i")], [:]),
            ([("x.started", "j"), ("x.cancelled", "j"), ("x.cancelled", "j")], ["i": .open]),
        ] as [([(String, String)], [String: InvocationPhase])])
    func violationsAnywhereInTheBatchRefuseIt(_ batch: [(String, String)], _ known: [String: InvocationPhase]) {
        let error = #expect(throws: SluiceError.self) {
            try Lifecycle.apply(batch.map { event($0.0, $0.1) }, known: known)
        }
        #expect(error?.code == "lifecycle_violation")
    }

    @Test func kindsAreTheContractSet() {
        #expect(Lifecycle.kinds == ["started", "progress", "completed", "failed", "cancelled"])
        #expect(Lifecycle.terminalKinds == ["completed", "failed", "cancelled"])
    }
}
