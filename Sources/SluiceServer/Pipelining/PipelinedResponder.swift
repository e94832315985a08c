import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import SluiceHub

/// The responder Hummingbird's request loop calls for each request of a
/// connection, in order. Around the router it adds the read-ahead of
/// pipelined ingest requests: when the request is an ingest request and the
/// ones right behind it on the connection are complete ingest requests too
/// (`ConnectionReadAhead`), they run through the same router now, each after
/// the one before it is queued for its commit, so one group commit takes them
/// all and one fan-out round carries their events. Every answer still goes
/// out in order and only after its own commit: this request's as soon as it
/// is ready, the others' when the loop reaches them.
enum PipelinedResponder {
    /// `maximumFollowers`: most requests answered ahead of their turn at
    /// once (`pipeline_read_ahead`; 0: none).
    static func make(
        router: Router<SluiceRequestContext>, ingest: IngestPipeline, logger: Logger, maximumFollowers: Int
    ) -> HTTPChannelHandler.Responder {
        let responder = router.buildResponder()
        return { request, responseWriter, channel in
            let readAhead = ConnectionReadAhead.of(channel)
            let (position, earlier) = readAhead?.withQueue { $0.start() } ?? (0, nil)
            if let earlier {
                return try await write(earlier, to: responseWriter)
            }
            let followers =
                maximumFollowers > 0 && PipelinedRequestQueue.isReadAhead(request.head)
                ? readAhead?.withQueue { $0.takeFollowers(after: position, limit: maximumFollowers) } ?? [] : []
            guard let readAhead, !followers.isEmpty else {
                return try await write(respond(request, channel, responder, logger), to: responseWriter)
            }
            let first = IngestTurn()
            async let followersAnswered: Void = answer(followers, after: first, ingest, readAhead, channel, responder, logger)
            async let own = queued(request, turn: first, channel, responder, logger)
            try await write(own, to: responseWriter)
            await followersAnswered
        }
    }

    /// Runs each follower through the router once the request before it is
    /// queued for its commit (or done), and keeps its answer for the loop.
    /// All of them are queued without waking the ingest writer, which is
    /// woken once the last is queued: one commit takes them all.
    private static func answer(
        _ followers: [PipelinedRequestQueue.Follower], after first: IngestTurn, _ ingest: IngestPipeline,
        _ readAhead: ConnectionReadAhead, _ channel: any Channel,
        _ responder: some HTTPResponder<SluiceRequestContext>, _ logger: Logger
    ) async {
        await withDiscardingTaskGroup { group in
            var previous = first
            for follower in followers {
                let turn = IngestTurn()
                let before = previous
                group.addTask {
                    await before.reached()
                    let request = Request(head: follower.head, body: RequestBody(buffer: follower.body))
                    let response: Response
                    do {
                        response = try await queued(request, turn: turn, channel, responder, logger)
                    } catch {
                        response = Response(status: .internalServerError)
                    }
                    readAhead.withQueue { $0.answer(response, at: follower.position) }
                }
                previous = turn
            }
            let last = previous
            group.addTask {
                await last.reached()
                ingest.wakeWriter()
            }
        }
    }

    /// What the router answers, with the batch queued without waking the
    /// ingest writer and `turn` passed once it is queued (or the request is
    /// answered without a commit).
    private static func queued(
        _ request: Request, turn: IngestTurn, _ channel: any Channel, _ responder: some HTTPResponder<SluiceRequestContext>,
        _ logger: Logger
    ) async throws -> Response {
        defer { turn.pass() }
        return try await respond(request, channel, responder, logger, order: IngestOrder(holdsWriter: true) { turn.pass() })
    }

    /// What the router answers; an error that escapes the middleware is a
    /// bare 500 (a request that could not be parsed is Hummingbird's to answer).
    private static func respond(
        _ request: Request, _ channel: any Channel, _ responder: some HTTPResponder<SluiceRequestContext>, _ logger: Logger,
        order: IngestOrder? = nil
    ) async throws -> Response {
        var context = SluiceRequestContext(source: .init(channel: channel, logger: logger))
        context.ingestOrder = order
        do {
            return try await responder.respond(to: request, context: context)
        } catch let error as HTTPParserError {
            throw error
        } catch {
            return Response(status: .internalServerError)
        }
    }

    private static func write(_ response: Response, to writer: consuming ResponseWriter) async throws {
        var response = response
        response.headers[.date] = HTTPDate.now()
        try await writer.write(response: response.head, body: response.body)
    }
}
