import Hummingbird
import SluiceCore
import SluiceHub
import SluiceStore

/// Per-circle fairness overrides (contract section 9), for platform admins:
/// `GET /api/circles/{circle}/limits` and `PUT` with
/// `{"events_per_second": N|null, "streams": N|null}`: null goes back to the
/// gateway's default, an absent member keeps what is stored.
struct LimitRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/api/circles/{circle}/limits") { request, context in try await show(request, context) }
        router.put("/api/circles/{circle}/limits") { request, context in try await update(request, context) }
    }

    func show(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        try gateway.authenticator.authenticate(request).requirePlatformAdmin()
        let circle = try RequestParsing.circle(context)
        guard try await gateway.store.circleExists(circle) else { throw SluiceError.notFound("no such circle") }
        let record = try await gateway.store.circleLimits()[circle] ?? CircleLimitsRecord()
        return RequestParsing.json(record.json(circle: circle, defaults: gateway.hub.circleLimits.defaults))
    }

    func update(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        try gateway.authenticator.authenticate(request).requirePlatformAdmin()
        let circle = try RequestParsing.circle(context)
        var request = request
        let body = try await RequestParsing.jsonObject(&request)
        try RequestParsing.rejectUnknown(body, allowed: ["events_per_second", "streams"])
        let rate = try Self.change(body, "events_per_second")
        let streams = try Self.change(body, "streams")
        guard let record = try await gateway.store.updateCircleLimits(circle, eventsPerSecond: rate, streams: streams, at: gateway.timestamp)
        else { throw SluiceError.notFound("no such circle") }
        gateway.hub.circleLimits.setOverride(record, for: circle)
        return RequestParsing.json(record.json(circle: circle, defaults: gateway.hub.circleLimits.defaults))
    }

    /// One member of the body: absent keeps, null resets, else a positive integer.
    static func change(_ body: JSONValue, _ field: String) throws(SluiceError) -> LimitChange {
        guard let value = body[field] else { return .keep }
        if value == .null { return .reset }
        guard let number = value.intValue, (1...CircleLimitsRecord.maximumValue).contains(number) else {
            throw .invalidField(field, "must be null or an integer from 1 to \(CircleLimitsRecord.maximumValue)")
        }
        return .set(number)
    }
}
