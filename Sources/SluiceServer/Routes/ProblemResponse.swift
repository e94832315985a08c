import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import SluiceCore

/// `application/problem+json` (RFC 9457) for a `SluiceError`.
enum ProblemResponse {
    static let contentType = "application/problem+json"

    static func make(_ error: SluiceError, extraHeaders: HTTPFields = [:]) -> Response {
        RequestOutcome.current?.answered(code: error.code)
        var headers = extraHeaders
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        if error.status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return Response(
            status: HTTPResponse.Status(code: error.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body(error))))
    }

    /// The problem document's text.
    static func body(_ error: SluiceError) -> String {
        var members: [(String, JSONValue)] = [
            ("type", .string("https://sluice.dev/problems/\(error.code)")),
            ("title", .string(error.title)),
            ("status", .number(String(error.status))),
            ("code", .string(error.code)),
            ("detail", .string(error.detail)),
        ]
        if let field = error.field { members.append(("field", .string(field))) }
        return JSONValue.object(members).jsonText
    }
}

/// Turns every error into problem+json: a `SluiceError` as itself, the
/// router's and body reader's `HTTPError`s as the matching code, anything
/// else as a bare 500 with no internal text.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SluiceError {
            if error.status >= 500 { context.logger.error("request failed", metadata: ["code": "\(error.code)"]) }
            return ProblemResponse.make(error)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: return ProblemResponse.make(.notFound("no such route"))
            case .contentTooLarge: return ProblemResponse.make(.payloadTooLarge("the request body is too large"))
            case .methodNotAllowed: return ProblemResponse.make(.methodNotAllowed())
            case .badRequest: return ProblemResponse.make(.invalidRequest("bad request"))
            case .unauthorized: return ProblemResponse.make(.unauthorized())
            default:
                context.logger.error("request failed", metadata: ["status": "\(error.status.code)"])
                return ProblemResponse.make(.internalError)
            }
        } catch let error as HTTPParserError {
            // A body the decoder refuses (a bad chunk size): Hummingbird's
            // request loop answers 400 and closes the connection.
            throw error
        } catch is NIOTooManyBytesError {
            return ProblemResponse.make(.payloadTooLarge("the request body is too large"))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(type(of: error))"])
            return ProblemResponse.make(.internalError)
        }
    }
}
