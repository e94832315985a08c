import SluiceCore
import SluiceStore

/// What a publisher is answered: the ids, and whether they are the replayed
/// answer of an earlier request with the same `Idempotency-Key`.
public struct IngestAnswer: Sendable, Equatable {
    public let ids: [Int64]
    public let replayed: Bool
}

extension IngestPipeline {
    /// Ingest as the contract says (sections 3 and 9), in one place for every
    /// caller: an earlier answer for the idempotency key is replayed without
    /// costing the circle's rate; otherwise the circle's token bucket must
    /// admit the whole batch (else 429 and nothing stored), and the batch is
    /// group-committed with its key. Retries with one key run one at a time,
    /// so a retry arriving while the first commits waits and hears its answer.
    /// `order`: how the batch joins the commit queue when the caller queues
    /// several in a row (pipelined requests read ahead).
    public func publish(
        _ events: [EventInput], to circle: CircleID, idempotency claim: IdempotencyClaim?, order: IngestOrder? = nil
    ) async throws -> IngestAnswer {
        guard let claim else { return try await answer(events, to: circle, claim: nil, order: order) }
        let scope = "\(circle.rawValue)\u{0}\(claim.credential)\u{0}\(claim.key)"
        return try await idempotencyGate.holding(scope) { try await answer(events, to: circle, claim: claim, order: order) }
    }

    private func answer(_ events: [EventInput], to circle: CircleID, claim: IdempotencyClaim?, order: IngestOrder?) async throws -> IngestAnswer {
        if let claim, let earlier = try await store.idempotentAnswer(circle: circle, claim: claim, now: now()) {
            return try Self.answer(earlier)
        }
        try hub.circleLimits.admit(events.count, to: circle, at: now())
        return try Self.answer(try await submit(AppendRequest(circle: circle, events: events, idempotency: claim), order: order))
    }

    private static func answer(_ outcome: AppendOutcome) throws -> IngestAnswer {
        switch outcome {
        case .committed(let stored): return IngestAnswer(ids: stored.map(\.sequence), replayed: false)
        case .replayed(.created(let ids)): return IngestAnswer(ids: ids, replayed: true)
        case .replayed(.refused(let error)), .refused(let error): throw error
        }
    }
}

extension IngestPipeline {
    /// Idempotency scopes being answered now, for tests.
    public var heldIdempotencyScopes: Int { idempotencyGate.heldCount }
}
