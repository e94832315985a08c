import SluiceCore

extension SluiceClient {
    /// Publishes one event; returns its id once the gateway has committed it.
    ///
    /// Every attempt carries the same `Idempotency-Key` (a fresh random one
    /// unless you give yours), so a retry after a lost answer stores nothing
    /// twice: the gateway answers it with the first attempt's ids.
    @discardableResult
    public func publish(_ event: NewEvent, to circle: String, idempotencyKey: String? = nil) async throws -> String {
        let ids = try await publish(body: event.json, to: circle, idempotencyKey: idempotencyKey)
        guard let id = ids.first else { throw SluiceClientError.invalidResponse("no id for the published event") }
        return id
    }

    /// Publishes a batch of up to 1,000 events, all or nothing; returns their
    /// ids in order. Retried like `publish(_:to:idempotencyKey:)`.
    @discardableResult
    public func publish(_ events: [NewEvent], to circle: String, idempotencyKey: String? = nil) async throws -> [String] {
        try await publish(body: .object([("events", .array(events.map(\.json)))]), to: circle, idempotencyKey: idempotencyKey)
    }

    func publish(body: JSONValue, to circle: String, idempotencyKey: String?) async throws -> [String] {
        let key = idempotencyKey ?? Self.newIdempotencyKey()
        let reply = try await send(
            .POST, "/api/\(Self.segment(circle))/events", body: body, headers: [("Idempotency-Key", key)], retrying: true)
        guard let ids = try Self.object(reply)["ids"]?.arrayValues?.compactMap(\.stringValue) else {
            throw SluiceClientError.invalidResponse("no ids in the answer", status: reply.status)
        }
        return ids
    }

    /// 128 random bits as 32 hex digits: unique per publish, the same on its retries.
    static func newIdempotencyKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next()
        let low = generator.next()
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return "sluice-" + hex(high) + hex(low)
    }
}
