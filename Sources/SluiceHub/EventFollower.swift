import Logging
import ServiceLifecycle
import SluiceCore
import SluiceStore

/// Brings events committed on other nodes to this node's hub (contract
/// section 11). On every store wake-up naming a circle, on every gap the hub
/// reports, after a lost wake-up stream and on a poll as a fallback, it
/// reads the circle's log after the hub's newest sequence, in pages, and
/// hands each page to the hub, which delivers it in order, once. A store
/// error is logged and retried with backoff, never ending the service, so a
/// database that comes back resumes every stream from where it stood.
/// Without a shared store (SQLite) it only waits for shutdown.
public struct EventFollower<C: Clock>: Service where C.Duration == Duration {
    let hub: Hub
    let store: any EventStore
    /// How often circles with open streams are read even without a wake-up.
    let poll: Duration
    /// Every this many polls, every followed circle is read.
    let pollsPerFullRead: Int
    let clock: C
    let logger: Logger
    /// Pages read for one circle before others get their turn.
    static var pagesPerTurn: Int { 20 }

    public init(hub: Hub, store: any EventStore, poll: Duration = .seconds(1), pollsPerFullRead: Int = 30, clock: C, logger: Logger) {
        self.hub = hub
        self.store = store
        self.poll = poll
        self.pollsPerFullRead = max(1, pollsPerFullRead)
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        guard store.isShared else {
            try? await gracefulShutdown()
            return
        }
        let requests = hub.followRequests
        // Whatever was committed between loading the gateway and now.
        requests.request(nil)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await WakeupListener(store: store, clock: clock, logger: logger).listen { wakeup in
                        requests.request(wakeup.circles)
                    }
                }
                group.addTask { await pollLoop() }
                await follow()
                group.cancelAll()
            }
        }
    }

    private func pollLoop() async {
        var polls = 0
        while !Task.isCancelledOrShuttingDown {
            do { try await clock.sleep(for: poll) } catch { return }
            polls &+= 1
            hub.followRequests.request(polls % pollsPerFullRead == 0 ? nil : hub.streamedCircles)
        }
    }

    private func follow() async {
        var backoff = Duration.milliseconds(100)
        for await _ in hub.followRequests.rings {
            let (named, everything) = hub.followRequests.take()
            let circles = everything ? named.union(hub.followedCircles) : named
            var failed = Set<CircleID>()
            for circle in circles {
                do {
                    if try await catchUp(circle) { failed.insert(circle) }
                } catch {
                    failed.insert(circle)
                    logger.warning("reading events of other nodes failed", metadata: ["error": "\(type(of: error))"])
                }
            }
            guard !failed.isEmpty else {
                backoff = .milliseconds(100)
                continue
            }
            // Unread (the store failed, or there is more): try again, after a pause when it failed.
            hub.followRequests.request(failed)
            do { try await clock.sleep(for: backoff) } catch { return }
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    /// Reads `circle`'s log after the hub's newest sequence; returns true
    /// when pages are left for another turn.
    func catchUp(_ circle: CircleID) async throws -> Bool {
        let page = hub.limits.replayPage
        for _ in 0..<Self.pagesPerTurn {
            guard let after = hub.latestSequence(of: circle) else { return false }
            let events = try await store.events(in: circle, after: after, limit: page)
            hub.publishFollowed(events, after: after)
            if events.count < page { return false }
        }
        return true
    }
}
