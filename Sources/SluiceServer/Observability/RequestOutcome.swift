import Synchronization

/// What a request's handling tells the observation middleware that the
/// response alone does not: the problem+json code it answered with. Reached
/// through a task local, so `ProblemResponse` records the code with one line
/// wherever the problem is made.
final class RequestOutcome: Sendable {
    @TaskLocal static var current: RequestOutcome?

    private let problemCode = Mutex<String?>(nil)

    var code: String? { problemCode.withLock { $0 } }

    func answered(code: String) {
        problemCode.withLock { $0 = code }
    }
}
