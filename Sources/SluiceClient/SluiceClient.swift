import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore

/// A client of one Sluice gateway: publishing, streams that resume by
/// themselves, run state, and the administrative calls of the contract.
///
/// ```swift
/// let sluice = SluiceClient(baseURL: "http://127.0.0.1:8080", key: key)
/// let ids = try await sluice.publish(NewEvent(subject: "report.build.started", invocationID: "inv_7"), to: "acme")
/// for try await envelope in sluice.events(circle: "acme", subjects: ["report.>"]).envelopes {
///     print(envelope.subject, envelope.payload)
/// }
/// ```
///
/// The value is cheap to copy and safe to share between tasks.
public struct SluiceClient: Sendable {
    /// How requests authenticate (contract section 2).
    public enum Credential: Sendable, Equatable {
        /// An API key, sent as `X-Api-Key`.
        case apiKey(String)
        /// A session JWT, sent as `Authorization: Bearer`.
        case bearer(String)
        /// No credential: public streams with a share token only.
        case none
    }

    /// The gateway's base URL, without a trailing slash.
    public let baseURL: String
    public let credential: Credential
    /// How requests that may safely repeat are retried.
    public var retry: RetryPolicy
    /// How long one attempt of a request may take, connecting included
    /// (while the gateway is unreachable, connecting is retried within it).
    public var requestTimeout: Duration = .seconds(30)
    let http: HTTPClient

    /// A client for the gateway at `baseURL`, authenticating with `key` when given.
    public init(baseURL: String, key: String? = nil, retry: RetryPolicy = RetryPolicy(), httpClient: HTTPClient = .shared) {
        self.init(baseURL: baseURL, credential: key.map(Credential.apiKey) ?? .none, retry: retry, httpClient: httpClient)
    }

    public init(baseURL: String, credential: Credential, retry: RetryPolicy = RetryPolicy(), httpClient: HTTPClient = .shared) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.credential = credential
        self.retry = retry
        self.http = httpClient
    }

    /// A path segment, percent-encoded (circle ids, run ids, key ids...).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `path` with its query, every name and value percent-encoded.
    func url(_ path: String, query: [(String, String)] = []) -> String {
        guard !query.isEmpty else { return baseURL + path }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        let pairs = query.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }
        return baseURL + path + "?" + pairs.joined(separator: "&")
    }

    func authorize(_ request: inout HTTPClientRequest) {
        switch credential {
        case .apiKey(let key): request.headers.replaceOrAdd(name: "X-Api-Key", value: key)
        case .bearer(let token): request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        case .none: break
        }
    }

    /// An answer read whole.
    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: ByteBuffer

        var json: JSONValue? { body.readableBytes == 0 ? nil : try? JSONValue.parse(body.readableBytesView) }
    }

    /// Sends one request. `retrying` requests are tried again on connection
    /// errors and 5xx by `retry`; a 4xx is never retried. A non-2xx answer
    /// throws the gateway's problem as a `SluiceClientError`.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        headers: [(String, String)] = [], retrying: Bool
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        authorize(&request)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        }
        let attempts = retrying ? retry.maximumAttempts : 1
        var attempt = 1
        while true {
            do {
                let reply = try await execute(request)
                if (200..<300).contains(reply.status) { return reply }
                throw Self.problem(reply)
            } catch let error as SluiceClientError where error.isTransient && attempt < attempts {
                try await Task.sleep(for: retry.delay(after: attempt))
                attempt += 1
            }
        }
    }

    func execute(_ request: HTTPClientRequest) async throws -> Reply {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(requestTimeout / .nanoseconds(1))))
            body = try await response.body.collect(upTo: 32 << 20)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw SluiceClientError.connection("\(request.method.rawValue) \(request.url): \(error)")
        }
        return Reply(status: Int(response.status.code), headers: response.headers, body: body)
    }

    /// The problem+json of an error answer as a typed error; an answer
    /// without one keeps its status and a code for its class.
    static func problem(_ reply: Reply) -> SluiceClientError {
        let json = reply.json
        if let code = json?["code"]?.stringValue {
            return SluiceClientError(
                code: .init(rawValue: code), status: reply.status, title: json?["title"]?.stringValue ?? "",
                detail: json?["detail"]?.stringValue ?? "", field: json?["field"]?.stringValue)
        }
        let code: SluiceClientError.Code = reply.status >= 500 ? .unavailable : .invalidResponse
        return SluiceClientError(code: code, status: reply.status, title: "HTTP \(reply.status)", detail: "the gateway answered \(reply.status)")
    }

    /// A JSON object from a reply, or `invalidResponse`.
    static func object(_ reply: Reply) throws -> JSONValue {
        guard let json = reply.json, json.objectMembers != nil else {
            throw SluiceClientError.invalidResponse("expected a JSON object", status: reply.status)
        }
        return json
    }
}
