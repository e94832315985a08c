import Foundation
import Logging
import PostgresNIO
import SluiceCore
import SluiceStore
import Synchronization

/// The PostgreSQL engine (contract section 11): any number of gateway nodes
/// on one database. Sequences come from each circle's counter row, locked in
/// the transaction that inserts the events, so they are gap-free and in
/// commit order with writers on every node; every change takes the change
/// counter's row, so change ids are handed out in commit order too. Each
/// committing transaction that appended events or wrote a change sends one
/// `NOTIFY`, a wake-up naming circles, never the rows.
///
/// The store owns the pool's background work and the listener: `open`
/// starts them, `shutdown()` ends them, and the caller awaits it after the
/// last call. While the database is unreachable every call throws
/// `unavailable` within the connect or statement timeout; the pool
/// reconnects by itself when it is back.
public final class PostgresEventStore: EventStore {
    let client: PostgresClient
    let logger: Logger
    let options: DatabaseOptions
    /// How long a call waits for a pooled connection before `unavailable`.
    let connectDeadline: Duration
    let wakeupHub = WakeupHub()
    private let background: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// The channel of wake-ups (`NOTIFY sluice_commit, 'circles|changes'`).
    static let channel = "sluice_commit"

    /// Opens the database `url` names, migrates it (once across nodes, under
    /// an advisory lock) and starts the pool and the wake-up listener.
    public static func open(
        url: String, options: DatabaseOptions = DatabaseOptions(),
        logger: Logger = Logger(label: "sluice.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> PostgresEventStore {
        let location = try PostgresLocation(url: url)
        let store = try PostgresEventStore(location: location, options: options, logger: logger)
        let listener = WakeupListener(configuration: try store.connectionConfiguration(location), hub: store.wakeupHub, logger: logger)
        let client = store.client
        let (started, starting) = AsyncStream.makeStream(of: Void.self)
        store.background.withLock { task in
            task = Task {
                await withDiscardingTaskGroup { group in
                    group.addTask { await listener.run() }
                    // The pool runs on this task itself, entered right after
                    // the signal, so the first lease finds it running.
                    starting.finish()
                    await client.run()
                }
            }
        }
        for await _ in started {}
        do {
            try await store.migrate()
        } catch {
            await store.shutdown()
            throw error
        }
        return store
    }

    private init(location: PostgresLocation, options: DatabaseOptions, logger: Logger) throws {
        self.logger = logger
        self.options = options
        connectDeadline = .seconds(3)
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try PostgresEventStore.poolTLS(options.tls))
        configuration.options.maximumConnections = max(1, options.poolSize)
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = PostgresEventStore.sessionSettings(options)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Ends the pool and the listener and finishes every wake-up stream;
    /// waits for both. Calls after it throw `unavailable`.
    public func shutdown() async {
        let task = background.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        wakeupHub.finish()
        task?.cancel()
        await task?.value
    }

    deinit {
        background.withLock { $0?.cancel() }
    }

    public var isShared: Bool { true }

    /// Every connection commits durably and stops a statement at the timeout.
    static func sessionSettings(_ options: DatabaseOptions) -> [(String, String)] {
        let milliseconds = Int((options.statementTimeoutSeconds * 1000).rounded())
        return [
            ("synchronous_commit", "on"), ("statement_timeout", "\(max(1, milliseconds))"), ("application_name", "sluice"),
            ("TimeZone", "UTC"),
        ]
    }

    static func poolTLS(_ mode: DatabaseOptions.TLSMode) throws -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(opportunistic)
        case .require: return .require(.makeClientConfiguration())
        }
    }

    /// `prefer` encrypts when the server offers it without checking its
    /// certificate (as libpq's `sslmode=prefer`); `require` verifies it.
    static var opportunistic: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    /// The listener's own connection, outside the pool: it stays in LISTEN.
    func connectionConfiguration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch options.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: PostgresEventStore.opportunistic))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "sluice-listener"), ("TimeZone", "UTC")]
        return configuration
    }
}
