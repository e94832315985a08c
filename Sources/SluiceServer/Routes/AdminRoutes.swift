import Foundation
import Hummingbird
import SluiceCore
import SluiceCrypto
import SluiceStore

/// Circles (platform admins) and API keys (`keys:manage`), contract section
/// 7: each route authenticates, parses, and calls the operation.
struct AdminRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.post("/api/circles") { request, context in try await createCircle(request, context) }
        router.get("/api/circles") { request, _ in try await listCircles(request) }
        router.delete("/api/circles/{circle}") { request, context in try await deleteCircle(request, context) }
        router.post("/api/{circle}/keys") { request, context in try await createKey(request, context) }
        router.get("/api/{circle}/keys") { request, context in try await listKeys(request, context) }
        router.delete("/api/{circle}/keys/{id}") { request, context in try await revokeKey(request, context) }
        router.post("/api/{circle}/keys/{id}/rotate") { request, context in try await rotateKey(request, context) }
    }

    var operations: Administration { gateway.administration }

    func createCircle(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        try principal.requirePlatformAdmin()
        var request = request
        let body = try await RequestParsing.jsonObject(&request)
        try RequestParsing.rejectUnknown(body, allowed: ["id", "name"])
        guard let text = try RequestParsing.string(body, "id") else { throw SluiceError.invalidField("id", "is required") }
        guard let circle = CircleID(text) else {
            throw SluiceError.invalidField("id", "must match ^[a-z0-9][a-z0-9-]{0,62}$ and not be a reserved word")
        }
        let name = try CircleRoutes.name(body)
        let created = try await operations.circles.create(circle, name: name, by: principal)
        return RequestParsing.json(
            CircleRoutes.describe(NamedCircle(id: created.id, name: name, createdAt: created.createdAt)), status: .created)
    }

    func listCircles(_ request: Request) async throws -> Response {
        let circles = try await operations.circles.list(by: try gateway.authenticator.authenticate(request))
        let names = try await gateway.store.circleNames()
        return RequestParsing.json(
            .object([
                (
                    "circles",
                    .array(
                        circles.map { circle in
                            CircleRoutes.describe(NamedCircle(id: circle.id, name: names[circle.id], createdAt: circle.createdAt))
                        })
                )
            ]))
    }

    func deleteCircle(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        try principal.requirePlatformAdmin()
        try await operations.circles.delete(try RequestParsing.circle(context), by: principal)
        return RequestParsing.noContent()
    }

    func createKey(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        let circle = try RequestParsing.circle(context)
        try principal.require(.keysManage, in: circle)
        var request = request
        let body = try await RequestParsing.jsonObject(&request)
        let issued = try await operations.keys.create(try KeyDescription.request(body), in: circle, by: principal)
        return RequestParsing.json(KeyDescription.json(issued.record, key: issued.key.text), status: .created)
    }

    func listKeys(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        let keys = try await operations.keys.list(in: try RequestParsing.circle(context), by: principal)
        return RequestParsing.json(.object([("keys", .array(keys.map { KeyDescription.json($0, key: nil) }))]))
    }

    func revokeKey(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        try await operations.keys.revoke(id: context.parameters.get("id") ?? "", in: try RequestParsing.circle(context), by: principal)
        return RequestParsing.noContent()
    }

    func rotateKey(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        let rotated = try await operations.keys.rotate(
            id: context.parameters.get("id") ?? "", in: try RequestParsing.circle(context), by: principal)
        return RequestParsing.json(KeyDescription.json(rotated.record, key: rotated.key.text))
    }
}
