import HTTPTypes
import Hummingbird
import Logging
import SluiceCore

/// The outermost middleware: gives every request an id (`X-Request-Id`
/// when the client sent a sane one, else a fresh one), puts it on every log
/// line of the request and on the response, counts the request by route
/// template and status class, times it, counts problem+json answers by code
/// and 401s by reason, and writes one access log line. Streams served by the
/// listener's fast path never reach Hummingbird and are counted by the hub.
struct RequestObservation: RouterMiddleware {
    typealias Context = SluiceRequestContext
    let gateway: Gateway

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = RequestID.accepted(request.headers[RequestID.header]) ?? RequestID.generate()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let outcome = RequestOutcome()
        var response = try await RequestOutcome.$current.withValue(outcome) { try await next(request, context) }
        let elapsed = ContinuousClock.now - started
        let route = Self.routeLabel(context.endpointPath)
        let method = request.method.rawValue
        let metrics = gateway.metrics
        metrics.request(route: route, method: Self.methodLabel(method), status: response.status.code, duration: elapsed)
        if let code = outcome.code { metrics.rejected(route: route, code: code) }
        if response.status == .unauthorized {
            metrics.authFailed(await AuthFailureReason.classify(request, route: route, circle: context.parameters.get("circle"), gateway: gateway))
        }
        response.headers[RequestID.header] = requestID
        context.logger.info(
            "request",
            metadata: [
                "method": "\(method)", "route": "\(route)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "duration_ms": "\((elapsed / .milliseconds(1) * 1000).rounded() / 1000)",
            ])
        return response
    }

    /// The matched route template; every request no route matched shares one label.
    static func routeLabel(_ endpoint: String?) -> String {
        guard let endpoint, endpoint != "NotFound" else { return "unmatched" }
        return endpoint
    }

    /// Methods outside the standard set share one label, so a client cannot
    /// make new series by inventing methods.
    static func methodLabel(_ method: String) -> String {
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(method) ? method : "OTHER"
    }
}
