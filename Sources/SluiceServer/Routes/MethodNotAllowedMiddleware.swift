import HTTPTypes
import Hummingbird
import Synchronization

/// A known route asked with another method answers 405 with `Allow`
/// (contract section 8), not the router's 404. The routes are read from the
/// router once every route is registered (`RouteMethods.load`).
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(for: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            return ProblemResponse.make(.methodNotAllowed("this route allows \(allow)"), extraHeaders: [.allow: allow])
        }
    }
}

/// Every route's path pattern and method, filled once after registration.
final class RouteMethods: Sendable {
    private struct Route: Sendable {
        let segments: [Substring]
        let method: HTTPRequest.Method
    }

    private let routes = Mutex<[Route]>([])

    init() {}

    func load(_ descriptions: [(path: String, method: HTTPRequest.Method)]) {
        routes.withLock { routes in
            routes = descriptions.map { Route(segments: $0.path.split(separator: "/"), method: $0.method) }
        }
    }

    /// The methods of the routes whose pattern matches `path`.
    func methods(for path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            Set(routes.filter { RouteMethods.matches($0.segments, segments) }.map(\.method))
        }
    }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        if pattern.last == "**" { return path.count >= pattern.count - 1 && zip(pattern.dropLast(), path).allSatisfy(segmentMatches) }
        return pattern.count == path.count && zip(pattern, path).allSatisfy(segmentMatches)
    }

    private static func segmentMatches(_ pattern: Substring, _ segment: Substring) -> Bool {
        pattern == "*" || (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern == segment
    }
}
