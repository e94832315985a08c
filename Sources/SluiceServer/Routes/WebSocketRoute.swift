import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import SluiceCore
import SluiceHub

/// `GET /api/events/{circle}/ws`: the authenticated stream as a WebSocket, the
/// same JSON envelopes one per text message. Authorization happens before the
/// upgrade; a refused upgrade is answered with the matching problem+json
/// (`UpgradeRefusal`). An upgrade authenticated by the `sluice_session`
/// cookie, which browsers send from any site, is accepted only without an
/// `Origin` or from an origin the configuration lists (cross-site WebSocket
/// hijacking; CORS does not cover WebSocket).
struct WebSocketRoute {
    let gateway: Gateway

    /// The upgrade decision for one HTTP request head.
    func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel
    ) async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let uri = URI(head.path ?? "")
        let parts = uri.path.split(separator: "/")
        let spec: StreamSpec
        let resume: (Int64?, String?)
        do {
            guard head.method == .get, parts.count == 4, parts[0] == "api", parts[1] == "events", parts[3] == "ws" else {
                throw SluiceError.invalidRequest("only GET /api/events/{circle}/ws accepts a WebSocket upgrade")
            }
            spec = try await streamSpec(circleText: String(parts[2]), headers: head.headerFields, query: uri.queryParameters)
            resume = try StreamQuery.resumePoint(headers: head.headerFields, query: uri.queryParameters, codec: spec.ids, circle: spec.circle)
            guard gateway.hub.hasStreamRoom(spec.circle) else {
                throw SluiceError.rateLimited("the circle has reached its limit of open streams", retryAfterSeconds: 5)
            }
        } catch {
            await UpgradeRefusal.install(error as? SluiceError ?? .internalError, on: channel)
            return .dontUpgrade
        }
        let gateway = self.gateway
        return .upgrade([:]) { inbound, outbound, _ in
            let stream = try await gateway.hub.open(spec, resumeAfter: resume.0, lastEventIDText: resume.1, store: gateway.store)
            defer { stream.release() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Nothing is read from the client; its leaving ends the stream.
                    for try await _ in inbound {}
                    stream.close(.clientGone)
                }
                group.addTask {
                    while let chunk = try await stream.nextBeforeLive() {
                        for line in chunk.split(separator: 0x0A) { try await outbound.write(.text(String(decoding: line, as: UTF8.self))) }
                    }
                    while let frames = await stream.subscription.nextFrames() {
                        for frame in frames where frame.sequence != 0 && !frame.bytes.isEmpty {
                            try await outbound.write(.text(String(decoding: frame.bytes.dropLast(), as: UTF8.self)))
                        }
                        if frames.contains(where: \.endsStream) { break }
                    }
                    try await outbound.close(.normalClosure, reason: nil)
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Authenticates and authorizes; the spec of the stream, or the error the
    /// router's route reports.
    func streamSpec(circleText: String, headers: HTTPFields, query: Parameters) async throws -> StreamSpec {
        let (principal, source) = try gateway.authenticator.authenticateWithSource(headers: headers)
        if source == .sessionCookie, let origin = headers[.origin] {
            guard let origin = WebOrigin.normalized(origin), gateway.configuration.sessionAllowedOrigins.contains(origin) else {
                throw SluiceError.forbidden("this origin may not open a stream with the session cookie")
            }
        }
        guard let circle = CircleID(circleText) else { throw SluiceError.notFound("no such circle") }
        try principal.require(.eventsRead, in: circle)
        guard try await gateway.store.circleExists(circle) else { throw SluiceError.notFound("no such circle") }
        let subjects = try StreamQuery.subjects(query, default: .all)
        return StreamSpec(
            circle: circle, credential: principal.credential, face: principal.face, subjects: subjects,
            restriction: principal.subjectRestriction, naming: .lines, run: nil, expiresAt: principal.expiresAt)
    }

    /// The same path without an upgrade: the error that kept it from upgrading.
    func register(on router: Router<SluiceRequestContext>) {
        router.get("/api/events/{circle}/ws") { request, context -> Response in
            let spec = try await streamSpec(
                circleText: context.parameters.get("circle") ?? "", headers: request.headers, query: request.uri.queryParameters)
            _ = try StreamQuery.resumePoint(request, codec: SequenceEventIDs(), circle: try RequestParsing.circle(context))
            guard gateway.hub.hasStreamRoom(spec.circle) else {
                throw SluiceError.rateLimited("the circle has reached its limit of open streams", retryAfterSeconds: 5)
            }
            throw SluiceError.invalidRequest("this route needs a WebSocket upgrade")
        }
    }
}
