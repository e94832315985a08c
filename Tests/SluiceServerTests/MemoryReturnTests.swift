import NIOCore
import NIOEmbedded
import ServiceLifecycle
import Synchronization
import Testing

@testable import SluiceServer

/// When freed heap memory is handed back: once a burst of connections is
/// over, and at most every `busyEvery` intervals while it lasts.
@Suite struct MemoryReturnTests {
    @Test func trimsOnceWhenABurstEnds() {
        var schedule = MemoryReturnSchedule(admitted: 0, busyEvery: 30)
        #expect(schedule.tick(admitted: 5) == false)  // connections arriving
        #expect(schedule.tick(admitted: 9) == false)
        #expect(schedule.tick(admitted: 9) == true)  // a quiet interval: trim
        #expect(schedule.tick(admitted: 9) == false)  // still quiet: nothing new to give back
        #expect(schedule.tick(admitted: 9) == false)
        #expect(schedule.tick(admitted: 12) == false)  // a new burst
        #expect(schedule.tick(admitted: 12) == true)  // and its end
    }

    @Test func quietFromTheStartTrimsOnce() {
        var schedule = MemoryReturnSchedule(admitted: 3, busyEvery: 30)
        #expect(schedule.tick(admitted: 3) == true)
        #expect((0..<50).map { _ in schedule.tick(admitted: 3) }.filter { $0 }.isEmpty)
    }

    @Test func trimsEveryBusyEveryIntervalsWhileConnectionsKeepArriving() {
        var schedule = MemoryReturnSchedule(admitted: 0, busyEvery: 4)
        let trims = (1...12).map { schedule.tick(admitted: $0) }
        #expect(trims == [false, false, false, true, false, false, false, true, false, false, false, true])
    }

    /// The service reads the gate's admissions: an admitted connection
    /// starts a burst, and the quiet interval after it trims.
    @Test func serviceTrimsAfterAdmissionsStopAndEndsOnShutdown() async throws {
        let gate = ConnectionGate(limit: 10)
        let trims = Atomic<Int>(0)
        let service = MemoryReturn(
            connections: gate, interval: .milliseconds(5), busyEvery: 1_000_000, clock: ContinuousClock(),
            trim: { trims.add(1, ordering: .relaxed) })
        let services = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: .init(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            try await waitUntil { trims.load(ordering: .relaxed) == 1 }
            let channel = EmbeddedChannel()
            #expect(gate.admit(channel))
            #expect(gate.admitted == 1)
            try await waitUntil { trims.load(ordering: .relaxed) == 2 }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            _ = try? await channel.close()
        }
        #expect(trims.load(ordering: .relaxed) == 2)
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }
}
