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
    private func guarded<T: Sendable>(transaction: Bool, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        let leased = LeaseFlag()
        let client = self.client
        let logger = self.logger
        let connectDeadline = self.connectDeadline
        let workDeadline = Duration.milliseconds(Int64(options.statementTimeoutSeconds * 1000)) + .seconds(5)
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        leased.set()
                        guard transaction else { return try await body(connection) }
                        return try await PostgresEventStore.inTransaction(connection, logger: logger, body)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: connectDeadline)
                    guard leased.isSet else {
                        throw SluiceError.unavailable("cannot connect to the database (is it running, and are its user and password right?)")
                    }
                    try await Task.sleep(for: workDeadline)
                    throw SluiceError.unavailable("the database did not answer in time")
                }
                guard let value = try await group.next() else { throw SluiceError.unavailable("the database is unreachable") }
                group.cancelAll()
                return value
            }
        } catch {
            throw PostgresEventStore.translate(error)
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
