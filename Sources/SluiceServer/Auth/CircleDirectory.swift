import SluiceCore
import Synchronization

/// The current incarnation of every circle, in memory. A key or share token
/// works only while the incarnation it was made in is the current one, so a
/// stale cache entry of a deleted circle never opens a circle created later
/// with the same id. Filled at start and kept by the change feed.
public final class CircleDirectory: Sendable {
    private let incarnations = Mutex<[CircleID: String]>([:])

    public init() {}

    public func load(_ all: [CircleID: String]) {
        incarnations.withLock { $0 = all }
    }

    public func set(_ circle: CircleID, incarnation: String) {
        incarnations.withLock { $0[circle] = incarnation }
    }

    /// Forgets `circle` when `incarnation` is still its current one.
    public func remove(_ circle: CircleID, incarnation: String) {
        incarnations.withLock { all in
            if all[circle] == incarnation { all[circle] = nil }
        }
    }

    public func incarnation(of circle: CircleID) -> String? {
        incarnations.withLock { $0[circle] }
    }

    /// Whether `incarnation` is the live one of `circle`; never for an empty one.
    public func isCurrent(_ circle: CircleID, _ incarnation: String?) -> Bool {
        guard let incarnation, !incarnation.isEmpty else { return false }
        return incarnations.withLock { $0[circle] } == incarnation
    }
}
