import Hummingbird
import SluiceCore
import SluiceStore

/// A run's state now, contract section 4: answered from the run index the
/// store keeps with every append, never by scanning the circle's log.
struct RunRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/api/{circle}/runs/{run}") { request, context in try await state(request, context) }
    }

    /// The run id from the path, with the same rule as the run stream's.
    static func runID(_ context: SluiceRequestContext) throws(SluiceError) -> String {
        guard let run = context.parameters.get("run"), (1...128).contains(run.utf8.count),
            !run.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { throw .invalidField("run_id", "must be 1-128 bytes") }
        return run
    }

    func state(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        let circle = try RequestParsing.circle(context)
        try principal.require(.eventsRead, in: circle)
        let id = try Self.runID(context)
        guard try await gateway.store.circleExists(circle) else { throw SluiceError.notFound("no such circle") }
        guard let run = try await gateway.store.run(in: circle, id: id) else { throw SluiceError.notFound("no such run") }
        return RequestParsing.json(Self.describe(run, through: visibleTerminal(run, principal: principal)))
    }

    /// The terminal envelope as the caller's streams would show it: through
    /// its face and subject restriction, or null when they hide it.
    func visibleTerminal(_ run: RunRecord, principal: Principal) -> JSONValue {
        guard let event = run.terminal, principal.subjectRestriction.matches(event.subject),
            let face = gateway.policies.snapshot.face(principal.face, for: run.circle), let view = face.render(event)
        else { return .null }
        return view
    }

    static func describe(_ run: RunRecord, through terminal: JSONValue) -> JSONValue {
        .object([
            ("run_id", .string(run.id)),
            ("status", .string(run.status.rawValue)),
            ("started_at", .string(run.startedAt.rfc3339)),
            ("ended_at", RequestParsing.timestampText(run.endedAt)),
            ("last_event_id", .string(String(run.lastSequence))),
            (
                "invocations",
                .array(
                    run.invocations.map { invocation in
                        .object([
                            ("invocation_id", .string(invocation.id)),
                            ("status", .string(invocation.status.rawValue)),
                            ("started_at", .string(invocation.startedAt.rfc3339)),
                            ("ended_at", RequestParsing.timestampText(invocation.endedAt)),
                        ])
                    })
            ),
            ("terminal", terminal),
        ])
    }
}
