import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceHub

/// Ingest and the authenticated streams, contract sections 3 and 4.
struct EventRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.post("/api/{circle}/events") { request, context in try await publish(request, context) }
        router.get("/api/events/{circle}") { request, context in try await stream(request, context, run: nil) }
        router.get("/api/{circle}/runs/{run}/events") { request, context in
            // Path segments are percent-decoded before use (contract section 8).
            guard let raw = context.parameters.get("run"), let run = raw.removingPercentEncoding, (1...128).contains(run.utf8.count),
                !run.unicodeScalars.contains(where: { $0.value < 0x20 })
            else { throw SluiceError.invalidField("run_id", "must be 1-128 bytes") }
            return try await stream(request, context, run: run)
        }
    }

    func publish(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        let circle = try RequestParsing.circle(context)
        try principal.require(.eventsPublish, in: circle)
        let key = try IdempotencyKey.parse(request.headers)
        let limits = gateway.configuration.limits
        var request = request
        let body = try await request.collectBody(upTo: limits.maximumRequestBytes)
        let events = Traceparent.apply(request.headers, to: try EventInput.parseBody(body.readableBytesView, limits: limits))
        for (i, event) in events.enumerated() where !principal.subjectRestriction.matches(event.subject) {
            throw SluiceError.forbidden(
                events.count == 1 ? "the key may not publish this subject" : "events[\(i)]: the key may not publish this subject")
        }
        let claim = key.map { IdempotencyKey.claim($0, credential: principal.credential, body: body.readableBytesView) }
        // A node that lost its shared database says so at once (contract section 11).
        if gateway.store.isShared, gateway.readiness.lastCheckFailed { throw SluiceError.unavailable("the database is not reachable") }
        let answer: IngestAnswer
        do {
            answer = try await gateway.ingest.publish(events, to: circle, idempotency: claim, order: context.ingestOrder)
        } catch let error as SluiceError {
            throw error
        } catch {
            // The read of an earlier answer failed: on a shared store, the database went away.
            guard gateway.store.isShared else { throw error }
            throw SluiceError.unavailable("the database is not reachable")
        }
        if !answer.replayed { gateway.metrics.batchCommitted(arrival: context.arrival) }
        var response = RequestParsing.json(.object([("ids", .array(answer.ids.map { .string(String($0)) }))]), status: .created)
        if answer.replayed { response.headers[IdempotencyKey.replayedHeader] = "true" }
        return response
    }

    func stream(_ request: Request, _ context: SluiceRequestContext, run: String?) async throws -> Response {
        let principal = try gateway.authenticator.authenticate(request)
        let circle = try RequestParsing.circle(context)
        try principal.require(.eventsRead, in: circle)
        guard try await gateway.store.circleExists(circle) else { throw SluiceError.notFound("no such circle") }
        let query = request.uri.queryParameters
        let subjects = try StreamQuery.subjects(query, default: .all)
        let naming = try StreamQuery.naming(query)
        let codec = SequenceEventIDs()
        let (resume, text) = try StreamQuery.resumePoint(request, codec: codec, circle: circle)
        let spec = StreamSpec(
            circle: circle, credential: principal.credential, face: principal.face, subjects: subjects,
            restriction: principal.subjectRestriction, naming: naming, ids: codec, run: run, expiresAt: principal.expiresAt)
        let stream = try await gateway.hub.open(spec, resumeAfter: resume, lastEventIDText: text, store: gateway.store)
        return StreamQuery.response(stream, request: request, context: context)
    }
}

/// The query parameters and response shared by every stream route.
enum StreamQuery {
    static func subjects(_ query: Hummingbird.Parameters, default fallback: PatternList) throws(SluiceError) -> PatternList {
        guard let text = query["subjects"].map(String.init) else { return fallback }
        return try PatternList(commaSeparated: text, field: "subjects")
    }

    static func naming(_ query: Hummingbird.Parameters) throws(SluiceError) -> StreamSpec.Naming {
        switch query["events"].map(String.init) {
        case nil: return .subject
        case "message"?: return .message
        default: throw .invalidField("events", "the only value is 'message'")
        }
    }

    static let lastEventIDHeader = HTTPField.Name("Last-Event-ID")!

    /// The sequence to resume after, from `Last-Event-ID` or `last_event_id`
    /// (`0`: from the start), and the text as given.
    static func resumePoint(_ request: Request, codec: any EventIDCodec, circle: CircleID) throws(SluiceError) -> (Int64?, String?) {
        try resumePoint(headers: request.headers, query: request.uri.queryParameters, codec: codec, circle: circle)
    }

    static func resumePoint(
        headers: HTTPFields, query: Hummingbird.Parameters, codec: any EventIDCodec, circle: CircleID
    ) throws(SluiceError) -> (Int64?, String?) {
        let text = headers[lastEventIDHeader] ?? query["last_event_id"].map(String.init)
        guard let text, !text.isEmpty else { return (nil, nil) }
        if text == "0" { return (0, text) }
        guard let sequence = codec.decode(text, circle: circle) else {
            throw .invalidField("last_event_id", "is not an event id of this stream")
        }
        return (sequence, text)
    }

    /// The SSE response: headers of contract section 4, then whatever the
    /// stream yields. The connection's close ends the stream at once.
    static func response(_ stream: EventStream, request: Request, context: SluiceRequestContext, extraHeaders: HTTPFields = [:]) -> Response {
        // The stream's place in the hub lasts as long as the connection,
        // whether or not the body below ever runs (a client that resets
        // before the response is written).
        context.channel.closeFuture.whenComplete { _ in stream.release() }
        let headers = PublicStream.headers(extra: extraHeaders)
        let channel = context.channel
        let allocator = channel.allocator
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { stream.release() }
                // Reading the request side is what notices a client that hung up.
                try await request.body.consumeWithInboundCloseHandler { _ in
                    // Preamble and history through the response writer...
                    while let chunk = try await stream.nextBeforeLive() {
                        guard !chunk.isEmpty else { continue }
                        var buffer = allocator.buffer(capacity: chunk.count)
                        buffer.writeBytes(chunk)
                        try await writer.write(buffer)
                    }
                    // ...then live frames straight from the connection's event loop.
                    // The writer's writes are already queued on that loop, so order holds.
                    if !stream.endedBeforeLive {
                        await ChannelStreamWriter(channel: channel, subscription: stream.subscription).run()
                    }
                } onInboundClosed: {
                    stream.close(.clientGone)
                }
                try await writer.finish(nil)
            })
    }
}
