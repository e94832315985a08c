import Logging
import PostgresNIO
import SluiceCore
import SluiceStore
import Synchronization

extension PostgresEventStore {
    /// Runs `body` on a pooled connection (reads and single statements).
    @discardableResult
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded(transaction: false, body)
    }

    /// Runs `body` in one transaction, committed when it returns: the answer
    /// is given only after the commit (durable, `synchronous_commit` on).
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded(transaction: true, body)
    }

    /// Bounds every call: a connection within `connectDeadline`, the work
    /// within the statement timeout (with a margin). An unreachable database
    /// answers `unavailable` instead of hanging; the pool keeps reconnecting.
    /// The caller is answered when the first of the work, its deadline and
    /// the caller's cancellation ends, never later: work that does not end
    /// on cancellation (a lease or a query on a connection the database
    /// dropped without a word) is cancelled and left to end by itself, so no
    /// request, stream or shutdown waits on it. A write answered
    /// `unavailable` that way may still commit, as after any timeout: its
    /// events reach streams through the log, and an idempotency key makes
    /// the retry safe.
    private func guarded<T: Sendable>(transaction: Bool, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        let leased = LeaseFlag()
        let client = self.client
        let logger = self.logger
        let connectDeadline = self.connectDeadline
        let workDeadline = Duration.milliseconds(Int64(options.statementTimeoutSeconds * 1000)) + .seconds(5)
        do {
            return try await PostgresEventStore.bounded(connectDeadline: connectDeadline, workDeadline: workDeadline, leased: leased) {
                try await client.withConnection { connection in
                    leased.set()
                    guard transaction else { return try await body(connection) }
                    return try await PostgresEventStore.inTransaction(connection, logger: logger, body)
                }
            }
        } catch {
            throw PostgresEventStore.translate(error)
        }
    }

    /// Runs `work` in a task of its own and answers with the first of its
    /// result, `unavailable` when `leased` is still unset after
    /// `connectDeadline` or the work still runs `workDeadline` after that,
    /// and `CancellationError` when the caller is cancelled. Whatever comes
    /// later is dropped; the work and its timer are cancelled once answered.
    static func bounded<T: Sendable>(
        connectDeadline: Duration, workDeadline: Duration, leased: LeaseFlag, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = FirstOutcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let running = Task {
                    do {
                        outcome.finish(.success(try await work()))
                    } catch {
                        outcome.finish(.failure(error))
                    }
                }
                let deadline = Task {
                    do { try await Task.sleep(for: connectDeadline) } catch { return }
                    guard leased.isSet else {
                        outcome.finish(
                            .failure(SluiceError.unavailable("cannot connect to the database (is it running, and are its user and password right?)")))
                        return
                    }
                    do { try await Task.sleep(for: workDeadline) } catch { return }
                    outcome.finish(.failure(SluiceError.unavailable("the database did not answer in time")))
                }
                outcome.wait(continuation) {
                    running.cancel()
                    deadline.cancel()
                }
            }
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
    }

    static func inTransaction<T>(
        _ connection: PostgresConnection, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        do {
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// What a caller may see of a database failure: `unavailable` for
    /// everything that says the database cannot be reached or used now
    /// (connection, shutdown, authentication, timeout); other server errors
    /// (a duplicate id) as they are, whose description names no data.
    static func translate(_ error: any Error) -> any Error {
        if error is SluiceError { return error }
        guard let failure = error as? PSQLError else { return SluiceError.unavailable("the database is unreachable") }
        guard failure.code == .server else {
            if failure.code == .authMechanismRequiresPassword || failure.code == .saslError {
                return SluiceError.unavailable("the database refused the user or password")
            }
            return SluiceError.unavailable("the database is unreachable")
        }
        let state = failure.serverInfo?[.sqlState] ?? ""
        switch state {
        case "28P01", "28000": return SluiceError.unavailable("the database refused the user or password")
        case "3D000": return SluiceError.unavailable("the database named in the URL does not exist")
        case "57014": return SluiceError.unavailable("a statement ran past database.statement_timeout_seconds")
        case "57P01", "57P02", "57P03", "53300", "53100", "53200":
            return SluiceError.unavailable("the database is not accepting work now")
        default:
            return state.hasPrefix("08") ? SluiceError.unavailable("the database is unreachable") : error
        }
    }
}

/// The answer of a guarded call: whichever of its work, its deadline and
/// its cancellation comes first resumes the caller, once; the others are
/// dropped, and the tasks still running are cancelled.
final class FirstOutcome<T: Sendable>: Sendable {
    private enum State {
        /// Neither the caller nor an outcome is there yet.
        case idle
        case waiting(CheckedContinuation<T, any Error>, stop: @Sendable () -> Void)
        /// The outcome, until the caller takes it (nil once it has).
        case finished(Result<T, any Error>?)
    }

    private let state = Mutex(State.idle)

    /// Installs the caller; resumes it at once if the outcome is known.
    func wait(_ continuation: CheckedContinuation<T, any Error>, stop: @escaping @Sendable () -> Void) {
        let known = state.withLock { state -> Result<T, any Error>? in
            guard case .finished(let result) = state else {
                state = .waiting(continuation, stop: stop)
                return nil
            }
            state = .finished(nil)
            return result
        }
        guard let known else { return }
        stop()
        continuation.resume(with: known)
    }

    func finish(_ result: Result<T, any Error>) {
        let waiting = state.withLock { state -> (CheckedContinuation<T, any Error>, @Sendable () -> Void)? in
            switch state {
            case .finished:
                return nil
            case .waiting(let continuation, let stop):
                state = .finished(nil)
                return (continuation, stop)
            case .idle:
                state = .finished(result)
                return nil
            }
        }
        guard let (continuation, stop) = waiting else { return }
        stop()
        continuation.resume(with: result)
    }
}

/// Set once the call has its connection: from then on only the statement
/// timeout bounds it.
final class LeaseFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

extension PostgresConnection {
    /// Runs one statement and returns its rows.
    @discardableResult
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }

    /// Runs a statement with `RETURNING`; how many rows it touched.
    func count(_ query: PostgresQuery, _ logger: Logger) async throws -> Int {
        try await rows(query, logger).count
    }
}
