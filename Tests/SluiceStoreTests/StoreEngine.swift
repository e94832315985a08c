import Foundation
import SluiceCore
import SluiceSQLite
import SluiceStore
import Testing

/// One storage engine as the shared suite sees it: how to make a fresh, empty
/// place for a store and how to open a store there. Opening the same place
/// again must see the same data (that is how durability is tested). A new
/// engine (PostgreSQL) joins the suite by adding itself to `all`.
struct StoreEngine: Sendable, CustomTestStringConvertible {
    let name: String
    /// Makes a fresh location and a cleanup for it.
    let makeLocation: @Sendable () throws -> (location: String, cleanup: @Sendable () -> Void)
    let open: @Sendable (_ location: String) throws -> any EventStore

    var testDescription: String { name }

    static let sqlite = StoreEngine(
        name: "SQLite",
        makeLocation: {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-store-tests-\(UUID().uuidString)")
            let path = directory.appendingPathComponent("sluice.db").path
            return (path, { try? FileManager.default.removeItem(at: directory) })
        },
        open: { try SQLiteEventStore(path: $0) })

    /// Every engine the suite runs against.
    static let all: [StoreEngine] = [.sqlite]
}

/// A store on a fresh location, with a way to reopen it.
struct StoreFixture: Sendable {
    let engine: StoreEngine
    let location: String
    let store: any EventStore

    /// A second store on the same location (a restart).
    func reopen() throws -> any EventStore { try engine.open(location) }
}

/// Runs `body` against a store on a fresh location, cleaning up afterwards.
func withFreshStore(_ engine: StoreEngine, _ body: (StoreFixture) async throws -> Void) async throws {
    let (location, cleanup) = try engine.makeLocation()
    defer { cleanup() }
    try await body(StoreFixture(engine: engine, location: location, store: try engine.open(location)))
}
