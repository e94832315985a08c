import SluiceCore
import SluiceStore

/// Creating, listing and deleting circles (platform admins only). Deleting
/// ends every credential and stream of the circle; a circle created later
/// with the same id gets a new incarnation and shares nothing with it.
public struct CircleOperations: Sendable {
    let administration: Administration

    public func create(_ circle: CircleID, name: String? = nil, by actor: Principal?) async throws -> CircleRecord {
        try actor?.requirePlatformAdmin()
        guard try await administration.store.createCircle(circle, name: name, at: administration.now()) else { throw SluiceError.circleExists() }
        await administration.applyChanges()
        let created = try await administration.store.circles().first { $0.id == circle }
        return created ?? CircleRecord(id: circle, createdAt: administration.now())
    }

    public func list(by actor: Principal?) async throws -> [CircleRecord] {
        try actor?.requirePlatformAdmin()
        return try await administration.store.circles()
    }

    public func delete(_ circle: CircleID, by actor: Principal?) async throws {
        try actor?.requirePlatformAdmin()
        guard try await administration.store.deleteCircle(circle) else { throw SluiceError.notFound("no such circle") }
        await administration.applyChanges()
    }
}
