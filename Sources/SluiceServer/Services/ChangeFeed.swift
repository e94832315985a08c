import SluiceCore
import SluiceStore

/// Something that keeps a cache in step with the store: told every change,
/// once, in id order.
public protocol ChangeObserver: Sendable {
    func apply(_ change: Change) async
}

/// The reader of the store's change feed. It applies every change to every
/// observer exactly once, in id order, whether the change was made by this
/// gateway, by the offline command or by another node. Administrative
/// operations call `catchUp()` after writing, so their effect is in force
/// before they answer; `ChangeFollower` calls it on a short interval for
/// changes made elsewhere.
public actor ChangeFeed {
    private let store: any EventStore
    private var observers: [any ChangeObserver]
    /// The id of the last change applied.
    public private(set) var cursor: Int64
    static let page = 500

    /// Starts after `cursor`: the newest change id read before the caches
    /// were loaded, so nothing committed while loading is missed.
    public init(store: any EventStore, cursor: Int64, observers: [any ChangeObserver]) {
        self.store = store
        self.cursor = cursor
        self.observers = observers
    }

    /// Adds an observer (a later feature's cache, such as webhooks).
    public func add(_ observer: any ChangeObserver) {
        observers.append(observer)
    }

    /// Applies every change committed since the last call. When nothing
    /// changed this is one indexed read.
    public func catchUp() async throws {
        while true {
            let batch = try await store.changes(after: cursor, limit: ChangeFeed.page)
            for change in batch {
                for observer in observers { await observer.apply(change) }
                cursor = change.id
            }
            if batch.count < ChangeFeed.page { return }
        }
    }
}
