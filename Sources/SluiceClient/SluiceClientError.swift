/// An error from the gateway or from reaching it. A gateway error carries the
/// problem+json `code` (contract section 8) so callers branch on a stable
/// string; transport failures have codes of their own and no status.
public struct SluiceClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable code. The gateway's codes are open-ended: compare with the
    /// static members, and expect codes this client does not name yet.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let unauthorized = Code(rawValue: "unauthorized")
        public static let forbidden = Code(rawValue: "forbidden")
        public static let notFound = Code(rawValue: "not_found")
        public static let invalidRequest = Code(rawValue: "invalid_request")
        public static let invalidJSON = Code(rawValue: "invalid_json")
        public static let payloadTooLarge = Code(rawValue: "payload_too_large")
        public static let lifecycleViolation = Code(rawValue: "lifecycle_violation")
        public static let conflict = Code(rawValue: "conflict")
        public static let circleExists = Code(rawValue: "circle_exists")
        public static let idempotencyMismatch = Code(rawValue: "idempotency_mismatch")
        public static let rateLimited = Code(rawValue: "rate_limited")
        public static let tooManyConnections = Code(rawValue: "too_many_connections")
        public static let unavailable = Code(rawValue: "unavailable")
        public static let internalError = Code(rawValue: "internal_error")
        /// The gateway could not be reached, or the connection broke.
        public static let connectionFailed = Code(rawValue: "connection_failed")
        /// `waitForRun` did not see the terminal event in time.
        public static let timeout = Code(rawValue: "timeout")
        /// The gateway answered something that is not what the contract says.
        public static let invalidResponse = Code(rawValue: "invalid_response")
        /// The run ended, but the caller's face does not show its terminal event.
        public static let terminalNotVisible = Code(rawValue: "terminal_not_visible")
    }

    public let code: Code
    /// The HTTP status, or nil when no answer came.
    public let status: Int?
    public let title: String
    /// What went wrong, as the gateway wrote it for the caller.
    public let detail: String
    /// The input field at fault, when the gateway names one.
    public let field: String?

    public init(code: Code, status: Int?, title: String, detail: String, field: String? = nil) {
        self.code = code
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field
    }

    public var description: String {
        status.map { "\(code) (\($0)): \(detail)" } ?? "\(code): \(detail)"
    }

    /// Whether trying again may succeed: no answer, or a 5xx.
    public var isTransient: Bool {
        guard let status else { return code == .connectionFailed }
        return status >= 500
    }

    static func connection(_ detail: String) -> SluiceClientError {
        SluiceClientError(code: .connectionFailed, status: nil, title: "Connection Failed", detail: detail)
    }

    static func invalidResponse(_ detail: String, status: Int? = nil) -> SluiceClientError {
        SluiceClientError(code: .invalidResponse, status: status, title: "Invalid Response", detail: detail)
    }
}
