import SluiceCore
import SluiceSQLite
import SluiceStore

/// Chooses the storage engine a database URL names, at the edge: the
/// executable and the test harness open the store here and hand the server
/// only the `EventStore` protocol. `sqlite:PATH` is the embedded default.
public enum StorageEngine {
    /// Opens (creating and migrating if needed) the store `database` names.
    public static func open(_ database: String) async throws -> any EventStore {
        if database.hasPrefix("sqlite:") {
            let path = String(database.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw SluiceError.invalidConfiguration("database: needs a path after sqlite:") }
            do { return try SQLiteEventStore(path: path) } catch {
                throw SluiceError.invalidConfiguration("database: cannot open \(path)")
            }
        }
        throw SluiceError.invalidConfiguration("database: must be sqlite:PATH or a postgres:// URL")
    }
}
