import AsyncHTTPClient
import NIOCore
import SluiceCore

/// What a stream delivers besides events: the gateway's control events.
public enum StreamMessage: Sendable, Equatable {
    /// The stream is open; the gateway's `connected` data (circle, face, subjects).
    case connected(JSONValue)
    /// The resume point was older than retention: events between it and
    /// `oldestID` are gone, and the stream continues from the oldest retained.
    case reset(oldestID: String?)
    case event(Envelope)
}

/// A stream of a circle, a run or a share token as an `AsyncSequence`.
///
/// It connects when first iterated and, when the connection drops or the
/// gateway restarts, reconnects with `Last-Event-ID` after the `retry:` delay
/// the gateway asked for (backing off while the gateway cannot be reached),
/// so no event is missed or repeated. A 4xx ends it with the gateway's
/// error; a run stream ends after its run's terminal event.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = StreamMessage

    let client: SluiceClient
    let path: String
    let query: [(String, String)]
    let after: String?
    /// A run stream (circle and run id) closes itself after the run's
    /// terminal event: that close ends the sequence, any other reconnects.
    let run: (circle: String, id: String)?
    /// Give up after this many failed connection attempts in a row (nil: never).
    public var maximumConsecutiveFailures: Int?

    init(client: SluiceClient, path: String, query: [(String, String)], after: String?, run: (circle: String, id: String)? = nil) {
        self.client = client
        self.path = path
        self.query = query
        self.after = after
        self.run = run
    }

    /// Only the events, without control messages.
    public var envelopes: AsyncCompactMapSequence<EventSubscription, Envelope> {
        compactMap { message in
            if case .event(let envelope) = message { return envelope }
            return nil
        }
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self, lastEventID: after)
    }

    /// Pulls bytes only when asked for the next message: no task runs behind it.
    public struct Iterator: AsyncIteratorProtocol {
        let subscription: EventSubscription
        var body: HTTPClientResponse.Body.AsyncIterator?
        var parser = SSEParser()
        var pending: [SSEParser.Event] = []
        /// The id of the last event delivered, sent as `Last-Event-ID` on reconnect.
        public private(set) var lastEventID: String?
        /// The reconnection delay, from the stream's `retry:` field.
        var retryDelay: Duration = .seconds(3)
        var failures = 0
        var finished = false
        var sawTerminal = false

        init(subscription: EventSubscription, lastEventID: String?) {
            self.subscription = subscription
            self.lastEventID = lastEventID
        }

        public mutating func next() async throws -> StreamMessage? {
            while true {
                if !pending.isEmpty {
                    let event = pending.removeFirst()
                    if let id = event.id { lastEventID = id }
                    guard let message = Self.message(event) else { continue }
                    if case .event(let envelope) = message, let run = subscription.run, envelope.isTerminal,
                        (envelope.invocationID ?? run.id) == run.id
                    {
                        sawTerminal = true
                    }
                    return message
                }
                if finished { return nil }
                guard var current = body else {
                    try await connect()
                    continue
                }
                do {
                    if let chunk = try await current.next() {
                        body = current
                        pending += parser.feed(chunk.readableBytesView)
                        if let retry = parser.retry, retry >= 0 { retryDelay = .milliseconds(retry) }
                        continue
                    }
                    body = nil
                    if try await runIsOver() {
                        finished = true
                        continue
                    }
                } catch {
                    body = nil
                    if Task.isCancelled { throw CancellationError() }
                }
                try await Task.sleep(for: retryDelay)
            }
        }

        /// After a clean close of a run stream: whether the run ended (its
        /// terminal seen, or, when the face hides it, the run state says so).
        func runIsOver() async throws -> Bool {
            guard let run = subscription.run else { return false }
            if sawTerminal { return true }
            guard let state = try? await subscription.client.run(run.id, in: run.circle) else { return false }
            return state.status != .running
        }

        static func message(_ event: SSEParser.Event) -> StreamMessage? {
            let json = try? JSONValue.parse(event.data)
            switch event.name {
            case "connected": return .connected(json ?? .null)
            case "reset": return .reset(oldestID: json?["oldest_id"]?.stringValue)
            default:
                guard let json, let envelope = Envelope(json: json) else { return nil }
                return .event(envelope)
            }
        }

        /// Opens the stream, resuming after `lastEventID`; retries connection
        /// errors and 5xx with backoff, throws a 4xx.
        mutating func connect() async throws {
            var query = subscription.query
            query.append(("events", "message"))
            var request = HTTPClientRequest(url: subscription.client.url(subscription.path, query: query))
            subscription.client.authorize(&request)
            request.headers.add(name: "Accept", value: "text/event-stream")
            if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
            do {
                let response = try await subscription.client.http.execute(request, timeout: .hours(24 * 365))
                let status = Int(response.status.code)
                if status == 200 {
                    body = response.body.makeAsyncIterator()
                    parser = SSEParser()
                    failures = 0
                    return
                }
                let bytes = try await response.body.collect(upTo: 1 << 16)
                let error = SluiceClient.problem(.init(status: status, headers: response.headers, body: bytes))
                guard error.isTransient else { throw error }
            } catch let error as SluiceClientError where !error.isTransient {
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
            }
            failures += 1
            if let limit = subscription.maximumConsecutiveFailures, failures > limit {
                throw SluiceClientError.connection("no connection to \(subscription.path) after \(failures) attempts")
            }
            try await Task.sleep(for: Swift.max(retryDelay, subscription.client.retry.delay(after: failures)))
        }
    }
}

extension SluiceClient {
    /// Every event of `circle` whose subject matches one of `subjects` (NATS
    /// patterns; default every subject), through the credential's face,
    /// after event `after` (`"0"`: from the start; nil: only new events).
    public func events(circle: String, subjects: [String] = [], after: String? = nil) -> EventSubscription {
        EventSubscription(
            client: self, path: "/api/events/\(Self.segment(circle))", query: Self.subjectsQuery(subjects), after: after)
    }

    /// A public stream by share token: the token's face and subjects,
    /// narrowed by `subjects` when given. Its event ids are opaque; they resume all the same.
    public func publicEvents(circle: String, token: String, subjects: [String] = [], after: String? = nil) -> EventSubscription {
        EventSubscription(
            client: SluiceClient(baseURL: baseURL, credential: .none, retry: retry, httpClient: http),
            path: "/api/public/events/\(Self.segment(circle))", query: [("t", token)] + Self.subjectsQuery(subjects),
            after: after)
    }

    static func subjectsQuery(_ subjects: [String]) -> [(String, String)] {
        subjects.isEmpty ? [] : [("subjects", subjects.joined(separator: ","))]
    }
}
