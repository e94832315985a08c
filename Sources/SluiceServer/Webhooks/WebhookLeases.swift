import SluiceCore
import SluiceHub
import SluiceStore
import Synchronization

/// Which webhook subscriptions this node delivers, on a shared store: one
/// node at a time per subscription, holding lease `webhook:<id>` (contract
/// section 11). A held lease is renewed when less than `renewBelow` is left
/// of it, so most passes cost no write; a lease another node holds is asked
/// for again every `retryAfter`, and taken once it expires (its holder died).
/// Without a holder (SQLite's one node) every subscription is this node's.
final class WebhookLeases: Sendable {
    let store: any EventStore
    let holder: String?
    let now: @Sendable () -> Timestamp
    static let lifetimeMilliseconds: Int64 = 30_000
    static let renewBelowMilliseconds: Int64 = 20_000
    static let retryAfterMilliseconds: Int64 = 5_000

    private struct State: Sendable {
        /// Leases held, by subscription id: when each expires.
        var held: [String: Int64] = [:]
        /// Leases held elsewhere: when to ask again.
        var refused: [String: Int64] = [:]
    }

    private let state = Mutex(State())

    init(store: any EventStore, holder: String?, now: @escaping @Sendable () -> Timestamp) {
        self.store = store
        self.holder = store.isShared ? holder : nil
        self.now = now
    }

    static func name(_ webhook: String) -> String { "webhook:\(webhook)" }

    /// Whether this node delivers `webhook` now (taking or renewing its lease when due).
    func holds(_ webhook: String) async -> Bool {
        guard let holder else { return true }
        let stamp = now()
        let (fresh, wait) = state.withLock { state in
            (
                state.held[webhook].map { $0 - stamp.milliseconds > Self.renewBelowMilliseconds } ?? false,
                state.refused[webhook].map { $0 > stamp.milliseconds } ?? false
            )
        }
        if fresh { return true }
        if wait { return false }
        let lease = NodeLease(
            name: Self.name(webhook), holder: holder, lifetimeMilliseconds: Self.lifetimeMilliseconds, store: store, now: { stamp })
        let taken: Bool
        do {
            taken = try await lease.hold()
        } catch {
            // The store did not answer: not this pass, but ask again on the next.
            return false
        }
        state.withLock { state in
            if taken {
                state.held[webhook] = stamp.milliseconds + Self.lifetimeMilliseconds
                state.refused[webhook] = nil
            } else {
                state.held[webhook] = nil
                state.refused[webhook] = stamp.milliseconds + Self.retryAfterMilliseconds
            }
        }
        return taken
    }

    /// Gives every held lease up (shutdown), so another node takes over at once.
    func releaseAll() async {
        guard let holder else { return }
        let held = state.withLock { state in
            defer { state.held.removeAll() }
            return Array(state.held.keys)
        }
        for webhook in held { try? await store.releaseLease(Self.name(webhook), holder: holder) }
    }
}
