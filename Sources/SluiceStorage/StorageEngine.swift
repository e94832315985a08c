import Logging
import SluiceCore
import SluicePostgres
import SluiceSQLite
import SluiceStore

/// Chooses the storage engine a database URL names, at the edge: the
/// executable and the test harness open the store here and hand the server
/// only the `EventStore` protocol. `sqlite:PATH` is the embedded default;
/// `postgres://` and `postgresql://` URLs open PostgreSQL, shared by nodes.
/// The caller awaits `shutdown()` on the store after its last call.
public enum StorageEngine {
    /// Opens (creating and migrating if needed) the store `database` names.
    public static func open(
        _ database: String, options: DatabaseOptions = DatabaseOptions(),
        logger: Logger = Logger(label: "sluice.storage", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> any EventStore {
        if database.hasPrefix("sqlite:") {
            let path = String(database.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw SluiceError.invalidConfiguration("database: needs a path after sqlite:") }
            do { return try SQLiteEventStore(path: path) } catch {
                throw SluiceError.invalidConfiguration("database: cannot open \(path)")
            }
        }
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            return try await PostgresEventStore.open(url: database, options: options, logger: logger)
        }
        throw SluiceError.invalidConfiguration("database: must be sqlite:PATH or a postgres:// URL")
    }
}
