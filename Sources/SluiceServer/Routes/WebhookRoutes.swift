import Hummingbird
import SluiceCore
import SluiceStore

/// Webhook subscriptions of a circle (`webhooks:manage`), contract section
/// 10. Parses, authorizes, and hands over to `WebhookOperations`.
struct WebhookRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.post("/api/{circle}/webhooks") { request, context in try await create(request, context) }
        router.get("/api/{circle}/webhooks") { request, context in try await list(request, context) }
        router.get("/api/{circle}/webhooks/{id}") { request, context in try await get(request, context) }
        router.patch("/api/{circle}/webhooks/{id}") { request, context in try await update(request, context) }
        router.delete("/api/{circle}/webhooks/{id}") { request, context in try await delete(request, context) }
        router.post("/api/{circle}/webhooks/{id}/rotate") { request, context in try await rotate(request, context) }
        router.get("/api/{circle}/webhooks/{id}/deliveries") { request, context in try await deliveries(request, context) }
        router.post("/api/{circle}/webhooks/{id}/replay") { request, context in try await replay(request, context) }
    }

    var operations: WebhookOperations { gateway.administration.webhooks }

    /// The principal and the circle, after checking `webhooks:manage` there.
    /// A circle the caller cannot see answers 403, so its existence is not revealed.
    func authorize(_ request: Request, _ context: SluiceRequestContext) async throws -> (Principal, CircleID) {
        let principal = try gateway.authenticator.authenticate(request)
        let circle = try RequestParsing.circle(context)
        try principal.require(.webhooksManage, in: circle)
        guard try await gateway.store.circleExists(circle) else { throw SluiceError.notFound("no such circle") }
        return (principal, circle)
    }

    func id(_ context: SluiceRequestContext) -> String { context.parameters.get("id") ?? "" }

    func create(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (principal, circle) = try await authorize(request, context)
        var request = request
        let draft = try WebhookDraft(body: try await RequestParsing.jsonObject(&request), patch: false)
        let (record, secret) = try await operations.create(circle: circle, draft, grantor: principal)
        return RequestParsing.json(WebhookJSON.describe(record, counts: nil, secret: secret.text), status: .created)
    }

    func list(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (_, circle) = try await authorize(request, context)
        let listed = try await operations.list(circle: circle)
        return RequestParsing.json(.object([("webhooks", .array(listed.map { WebhookJSON.describe($0.record, counts: $0.counts) }))]))
    }

    func get(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (_, circle) = try await authorize(request, context)
        let listed = try await operations.get(circle: circle, id: id(context))
        return RequestParsing.json(WebhookJSON.describe(listed.record, counts: listed.counts))
    }

    func update(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (principal, circle) = try await authorize(request, context)
        var request = request
        let draft = try WebhookDraft(body: try await RequestParsing.jsonObject(&request), patch: true)
        let listed = try await operations.update(circle: circle, id: id(context), draft, grantor: principal)
        return RequestParsing.json(WebhookJSON.describe(listed.record, counts: listed.counts))
    }

    func delete(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (principal, circle) = try await authorize(request, context)
        try await operations.delete(circle: circle, id: id(context), grantor: principal)
        return RequestParsing.noContent()
    }

    func rotate(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (principal, circle) = try await authorize(request, context)
        let (record, secret) = try await operations.rotate(circle: circle, id: id(context), grantor: principal)
        return RequestParsing.json(WebhookJSON.describe(record, counts: nil, secret: secret.text))
    }

    func deliveries(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (_, circle) = try await authorize(request, context)
        let query = request.uri.queryParameters
        let status = try WebhookJSON.status(query["status"].map(String.init))
        var limit = 100
        if let text = query["limit"] {
            guard let value = Int(String(text)), (1...1000).contains(value) else {
                throw SluiceError.invalidField("limit", "must be between 1 and 1000")
            }
            limit = value
        }
        let records = try await operations.deliveries(circle: circle, id: id(context), status: status, limit: limit)
        return RequestParsing.json(.object([("deliveries", .array(records.map(WebhookJSON.describe)))]))
    }

    func replay(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (principal, circle) = try await authorize(request, context)
        var request = request
        let point = try WebhookJSON.replayPoint(try await RequestParsing.jsonObject(&request))
        let after = try await operations.replay(circle: circle, id: id(context), from: point, grantor: principal)
        return RequestParsing.json(.object([("replaying_after_id", .string(String(after)))]), status: .accepted)
    }
}
