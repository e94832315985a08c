import Foundation
import SluiceCore
import SluicePostgres
import SluiceSQLite
import SluiceStore
import SluiceTesting
import Synchronization
import Testing

/// One storage engine as the shared suite sees it: how to make a fresh, empty
/// place for a store and how to open a store there. Opening the same place
/// again must see the same data (that is how durability is tested). A new
/// engine joins the suite by adding itself to `all`.
struct StoreEngine: Sendable, CustomTestStringConvertible {
    let name: String
    /// Makes a fresh location and a cleanup for it.
    let makeLocation: @Sendable () async throws -> (location: String, cleanup: @Sendable () -> Void)
    let open: @Sendable (_ location: String) async throws -> any EventStore

    var testDescription: String { name }

    static let sqlite = StoreEngine(
        name: "SQLite",
        makeLocation: {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-store-tests-\(UUID().uuidString)")
            let path = directory.appendingPathComponent("sluice.db").path
            return (path, { try? FileManager.default.removeItem(at: directory) })
        },
        open: { try SQLiteEventStore(path: $0) })

    /// A fresh database on the test process's private cluster (removed with
    /// the cluster at exit); small pools, since many tests run at once.
    static let postgres = StoreEngine(
        name: "PostgreSQL",
        makeLocation: { (try await PostgresCluster.shared().makeDatabase(), {}) },
        open: { try await PostgresEventStore.open(url: $0, options: DatabaseOptions(poolSize: 4, statementTimeoutSeconds: 20, tls: .disable)) })

    /// Every engine the suite runs against.
    static let all: [StoreEngine] = [.sqlite, .postgres]
}

/// A store on a fresh location, with a way to reopen it. Every store opened
/// through it is shut down when the test ends.
struct StoreFixture: Sendable {
    let engine: StoreEngine
    let location: String
    let store: any EventStore
    let opened: OpenedStores

    /// A second store on the same location (a restart, or another node).
    func reopen() async throws -> any EventStore {
        let store = try await engine.open(location)
        opened.add(store)
        return store
    }
}

/// The stores a test opened, to shut down at its end.
final class OpenedStores: Sendable {
    private let stores = Mutex<[any EventStore]>([])

    func add(_ store: any EventStore) { stores.withLock { $0.append(store) } }

    func shutdownAll() async {
        for store in stores.withLock({ $0 }) { await store.shutdown() }
    }
}

/// Runs `body` against a store on a fresh location, cleaning up afterwards.
func withFreshStore(_ engine: StoreEngine, _ body: (StoreFixture) async throws -> Void) async throws {
    let (location, cleanup) = try await engine.makeLocation()
    defer { cleanup() }
    let opened = OpenedStores()
    do {
        let store = try await engine.open(location)
        opened.add(store)
        try await body(StoreFixture(engine: engine, location: location, store: store, opened: opened))
    } catch {
        await opened.shutdownAll()
        throw error
    }
    await opened.shutdownAll()
}
