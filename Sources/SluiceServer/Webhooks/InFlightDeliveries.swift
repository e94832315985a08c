import Synchronization

/// The deliveries being attempted right now, per subscription, so a
/// delivery is never attempted twice at once and each subscription has at
/// most its own number of attempts in flight.
final class InFlightDeliveries: Sendable {
    private let claimed = Mutex<[String: Set<Int64>]>([:])

    func count(_ webhook: String) -> Int { claimed.withLock { $0[webhook]?.count ?? 0 } }

    /// Claims a delivery unless it is already in flight or the subscription is at `limit`.
    func claim(_ webhook: String, _ sequence: Int64, limit: Int) -> Bool {
        claimed.withLock { all in
            var set = all[webhook] ?? []
            guard set.count < limit, !set.contains(sequence) else { return false }
            set.insert(sequence)
            all[webhook] = set
            return true
        }
    }

    func release(_ webhook: String, _ sequence: Int64) {
        claimed.withLock { all in
            all[webhook]?.remove(sequence)
            if all[webhook]?.isEmpty == true { all[webhook] = nil }
        }
    }
}
