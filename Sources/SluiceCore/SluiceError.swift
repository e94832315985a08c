/// An error a client may see: a stable `code`, an HTTP status, a title and a
/// detail written for the caller. Details never hold secrets, stack traces or
/// the name of a circle the caller cannot see.
///
/// Codes are static members over a private enum, so adding a case never breaks
/// a caller that switches over the ones it knows.
public struct SluiceError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case unauthorized, forbidden, notFound = "not_found", methodNotAllowed = "method_not_allowed"
        case invalidRequest = "invalid_request", invalidJSON = "invalid_json", payloadTooLarge = "payload_too_large"
        case lifecycleViolation = "lifecycle_violation", conflict, tooManyConnections = "too_many_connections"
        case circleExists = "circle_exists", invalidConfiguration = "invalid_configuration"
        case invalidPolicy = "invalid_policy", unavailable, internalError = "internal_error"
        case rateLimited = "rate_limited", idempotencyMismatch = "idempotency_mismatch"
    }

    private let _code: Code
    /// HTTP status code.
    public let status: Int
    /// Short, constant human title for the code.
    public let title: String
    /// What exactly went wrong, safe to show the caller.
    public let detail: String
    /// The input field the error is about, when there is one.
    public let field: String?
    /// Seconds a client should wait before trying again (`Retry-After`), when known.
    public private(set) var retryAfterSeconds: Int?

    private init(_ code: Code, status: Int, title: String, detail: String, field: String? = nil) {
        self._code = code
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field
    }

    /// The stable machine-readable code.
    public var code: String { _code.rawValue }

    public var description: String { "\(code): \(detail)" }

    /// 401: missing, malformed, unknown, expired or revoked credentials.
    public static func unauthorized(_ detail: String = "missing or invalid credentials") -> SluiceError {
        .init(.unauthorized, status: 401, title: "Unauthorized", detail: detail)
    }

    /// 403: valid credentials without the scope or the circle.
    public static func forbidden(_ detail: String = "the credentials do not grant this") -> SluiceError {
        .init(.forbidden, status: 403, title: "Forbidden", detail: detail)
    }

    public static func notFound(_ detail: String = "no such resource") -> SluiceError {
        .init(.notFound, status: 404, title: "Not Found", detail: detail)
    }

    public static func methodNotAllowed(_ detail: String = "method not allowed on this route") -> SluiceError {
        .init(.methodNotAllowed, status: 405, title: "Method Not Allowed", detail: detail)
    }

    /// 400 naming the field that is missing, of the wrong type or invalid.
    public static func invalidField(_ field: String, _ reason: String) -> SluiceError {
        .init(.invalidRequest, status: 400, title: "Invalid Request", detail: "\(field): \(reason)", field: field)
    }

    /// 400 for a request that is wrong as a whole (not about one field).
    public static func invalidRequest(_ detail: String) -> SluiceError {
        .init(.invalidRequest, status: 400, title: "Invalid Request", detail: detail)
    }

    /// 400 for a body that is not JSON.
    public static func invalidJSON(_ detail: String) -> SluiceError {
        .init(.invalidJSON, status: 400, title: "Malformed JSON", detail: detail)
    }

    /// 413 for a request or an event over its size limit.
    public static func payloadTooLarge(_ detail: String) -> SluiceError {
        .init(.payloadTooLarge, status: 413, title: "Payload Too Large", detail: detail)
    }

    /// 409 naming the lifecycle rule a batch broke.
    public static func lifecycleViolation(_ detail: String) -> SluiceError {
        .init(.lifecycleViolation, status: 409, title: "Lifecycle Violation", detail: detail)
    }

    public static func conflict(_ detail: String) -> SluiceError {
        .init(.conflict, status: 409, title: "Conflict", detail: detail)
    }

    public static func circleExists() -> SluiceError {
        .init(.circleExists, status: 409, title: "Circle Exists", detail: "a circle with this id already exists")
    }

    /// 429 when a share token already has `max_connections` open streams.
    public static func tooManyConnections() -> SluiceError {
        .init(.tooManyConnections, status: 429, title: "Too Many Connections", detail: "this token has reached its connection limit")
    }

    /// 429 when a circle is over its ingest rate or its open-stream cap
    /// (contract section 9); `Retry-After` says when to try again.
    public static func rateLimited(_ detail: String, retryAfterSeconds: Int) -> SluiceError {
        var error = SluiceError(.rateLimited, status: 429, title: "Rate Limited", detail: detail)
        error.retryAfterSeconds = max(1, retryAfterSeconds)
        return error
    }

    /// 422 when an `Idempotency-Key` already answered a request with another body.
    public static func idempotencyMismatch() -> SluiceError {
        .init(
            .idempotencyMismatch, status: 422, title: "Idempotency Key Mismatch",
            detail: "this Idempotency-Key was used with a different request body")
    }

    /// A setting that stops start-up; `detail` names the setting.
    public static func invalidConfiguration(_ detail: String) -> SluiceError {
        .init(.invalidConfiguration, status: 500, title: "Invalid Configuration", detail: detail)
    }

    /// A policy file that does not parse or validate: file, line and reason.
    public static func invalidPolicy(_ detail: String) -> SluiceError {
        .init(.invalidPolicy, status: 400, title: "Invalid Policy", detail: detail)
    }

    public static func unavailable(_ detail: String = "the service is shutting down") -> SluiceError {
        .init(.unavailable, status: 503, title: "Service Unavailable", detail: detail)
    }

    /// 500 with no internal text.
    public static let internalError = SluiceError(.internalError, status: 500, title: "Internal Server Error", detail: "internal error")

    public static func == (lhs: SluiceError, rhs: SluiceError) -> Bool {
        lhs._code == rhs._code && lhs.status == rhs.status && lhs.detail == rhs.detail
    }

    /// Every code with its status, for the README and for tests.
    public static let catalogue: [(code: String, status: Int)] = [
        ("unauthorized", 401), ("forbidden", 403), ("not_found", 404), ("method_not_allowed", 405),
        ("invalid_request", 400), ("invalid_json", 400), ("payload_too_large", 413),
        ("lifecycle_violation", 409), ("conflict", 409), ("circle_exists", 409),
        ("too_many_connections", 429), ("invalid_policy", 400), ("unavailable", 503), ("internal_error", 500),
        ("rate_limited", 429), ("idempotency_mismatch", 422),
    ]
}
