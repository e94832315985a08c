import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceCrypto
import SluiceHub
import SluiceStore

/// Share tokens (mint, list, revoke) and the public stream they open,
/// contract section 6 (the widget page is in `WidgetRoutes`).
struct ShareRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.post("/api/{circle}/_share/mint") { request, context in try await mint(request, context) }
        router.get("/api/{circle}/_share") { request, context in try await list(request, context) }
        router.delete("/api/{circle}/_share/{jti}") { request, context in try await revoke(request, context) }
        router.get("/api/public/events/{circle}") { request, context in try await publicStream(request, context) }
        router.on("/api/public/events/{circle}", method: .options) { request, context in try await preflight(request, context) }
    }

    var operations: ShareOperations { gateway.administration.shareTokens }

    func mint(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        let circle = try RequestParsing.circle(context)
        try principal.require(.shareManage, in: circle)
        var request = request
        let body = try await RequestParsing.jsonObject(&request)
        let minted = try await operations.mint(try ShareMinting.request(body), in: circle, by: principal)
        return RequestParsing.json(
            ShareMinting.minted(minted.record, token: minted.token, baseURL: gateway.configuration.baseURL), status: .created)
    }

    func list(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        let tokens = try await operations.list(in: try RequestParsing.circle(context), by: principal)
        return RequestParsing.json(
            .object([
                (
                    "tokens",
                    .array(
                        tokens.map { record in
                            ShareMinting.describe(record, connections: gateway.hub.streamCount(credential: .shareToken(jti: record.jti)))
                        })
                )
            ]))
    }

    func revoke(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        try await operations.revoke(jti: context.parameters.get("jti") ?? "", in: try RequestParsing.circle(context), by: principal)
        return RequestParsing.noContent()
    }

    /// The token from `t` only; any failure is the same bare 401.
    func verifiedToken(_ request: Request, circle: CircleID) async throws -> ShareTokenRecord {
        guard let token = request.uri.queryParameters["t"].map(String.init), !token.isEmpty else {
            throw SluiceError.unauthorized("a share token is required")
        }
        return try await gateway.shares.verify(token, circle: circle, now: gateway.now(), store: gateway.store)
    }

    /// A circle id that does not parse answers 401 like any bad token.
    func publicCircle(_ context: SluiceRequestContext) throws(SluiceError) -> CircleID {
        guard let text = context.parameters.get("circle"), let circle = CircleID(text) else {
            throw .unauthorized("invalid share token")
        }
        return circle
    }

    func corsHeaders(_ request: Request, record: ShareTokenRecord) throws(SluiceError) -> HTTPFields {
        try PublicStream.corsHeaders(origin: request.headers[.origin], record: record)
    }

    func publicStream(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let circle = try publicCircle(context)
        let record = try await verifiedToken(request, circle: circle)
        let cors = try corsHeaders(request, record: record)
        let (resume, text) = try StreamQuery.resumePoint(request, codec: gateway.opaqueIDs, circle: circle)
        let spec = try PublicStream.spec(record: record, query: request.uri.queryParameters, ids: gateway.opaqueIDs)
        let stream: EventStream
        do {
            stream = try await gateway.hub.open(spec, resumeAfter: resume, lastEventIDText: text, store: gateway.store)
        } catch let error as SluiceError {
            return ProblemResponse.make(error, extraHeaders: cors)
        }
        return StreamQuery.response(stream, request: request, context: context, extraHeaders: cors)
    }

    func preflight(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let circle = try publicCircle(context)
        let record = try await verifiedToken(request, circle: circle)
        var headers = try corsHeaders(request, record: record)
        headers[.accessControlAllowMethods] = "GET, OPTIONS"
        headers[.accessControlAllowHeaders] = "Last-Event-ID, Cache-Control"
        headers[.accessControlMaxAge] = "600"
        return Response(status: .noContent, headers: headers)
    }
}
