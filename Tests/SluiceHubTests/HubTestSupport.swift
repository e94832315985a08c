import Foundation
import SluiceCore
import SluiceHub
import SluiceSQLite
import SluiceStore
import Testing

let acme = CircleID("acme")!
let beta = CircleID("beta")!

/// The `member` face for every circle: all subjects, all fields.
func memberPolicies() -> PolicySet {
    let member = Face(name: "member", subjects: .all, fields: try! FieldSelector(["**"]))
    return try! PolicySet(documents: [PolicySet.Document(circles: ["*"], faces: [member], source: "test.yaml")])
}

/// A hub over a SQLite store in a fresh temporary directory.
struct HubFixture: Sendable {
    let hub: Hub
    let store: any EventStore

    /// Commits `events` to `circle`, then hands them to the hub, as ingest does.
    @discardableResult
    func commit(_ events: [EventInput], to circle: CircleID = acme) async throws -> [StoredEvent] {
        let results = try await store.append([AppendRequest(circle: circle, events: events)], at: Timestamp(milliseconds: 1_773_921_600_123))
        guard case .committed(let stored)? = results.first else { throw SluiceError.conflict("not committed") }
        hub.publish(stored)
        return stored
    }

    func open(_ spec: StreamSpec, resumeAfter: Int64?, lastEventID: String? = nil) async throws -> EventStream {
        try await hub.open(spec, resumeAfter: resumeAfter, lastEventIDText: lastEventID, store: store)
    }
}

func withHub(limits: HubLimits = HubLimits(), _ body: (HubFixture) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-hub-tests-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteEventStore(path: directory.appendingPathComponent("hub.db").path)
    _ = try await store.createCircle(acme, at: Timestamp(milliseconds: 0))
    _ = try await store.createCircle(beta, at: Timestamp(milliseconds: 0))
    let hub = Hub(policies: PolicyStore(memberPolicies()), limits: limits)
    try await body(HubFixture(hub: hub, store: store))
}

func spec(
    _ circle: CircleID = acme, credential: Principal.Credential = .apiKey(id: "k1"), face: String = "member",
    subjects: [String] = [">"], restriction: [String] = [">"], naming: StreamSpec.Naming = .subject,
    ids: any EventIDCodec = SequenceEventIDs(), opaqueIDs: Bool = false, run: String? = nil, maximumConnections: Int? = nil
) -> StreamSpec {
    StreamSpec(
        circle: circle, credential: credential, face: face, subjects: try! PatternList(subjects, field: "subjects"),
        restriction: try! PatternList(restriction, field: "restriction"), naming: naming, ids: ids, opaqueIDs: opaqueIDs,
        run: run, maximumConnections: maximumConnections)
}

func event(_ subject: String, _ invocation: String? = nil, payload: String = "{}") -> EventInput {
    EventInput(subject: Subject(subject)!, payload: try! JSONValue.parse(payload), invocationID: invocation)
}

/// One SSE block as written on the wire (the hub writes LF only).
struct WireFrame: Sendable, Equatable {
    var id: String?
    var event: String?
    var data: String?
    var comment: String?
    var retry: Int?

    var sequence: Int64? { id.flatMap { Int64($0) } }
}

/// Splits bytes the hub wrote into blocks; every chunk holds whole frames.
func wireFrames(_ bytes: [UInt8]) -> [WireFrame] {
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.hasSuffix("\n\n"), "a chunk ends between frames")
    #expect(!text.contains("\r"))
    return text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { block in
        var frame = WireFrame()
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { frame.comment = String(line.dropFirst()).trimmingCharacters(in: .whitespaces); continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            var value = String(line[line.index(after: colon)...])
            if value.hasPrefix(" ") { value.removeFirst() }
            switch line[..<colon] {
            case "id": frame.id = value
            case "event": frame.event = value
            case "data":
                #expect(frame.data == nil, "one data line per event")
                frame.data = value
            case "retry": frame.retry = Int(value)
            default: Issue.record("unexpected field in \(block)")
            }
        }
        return frame
    }
}

/// Reads frames until `enough` holds or the stream ends. A watchdog closes the
/// stream after `seconds`, so a missing event fails the test instead of hanging it.
func read(
    _ stream: EventStream, seconds: Double = 10, until enough: @escaping @Sendable ([WireFrame]) -> Bool
) async throws -> (frames: [WireFrame], ended: Bool) {
    try await withThrowingTaskGroup(of: (frames: [WireFrame], ended: Bool)?.self) { group in
        group.addTask {
            var frames: [WireFrame] = []
            while !enough(frames) {
                guard let chunk = try await stream.next() else { return (frames, true) }
                frames += wireFrames(chunk)
            }
            return (frames, false)
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            if !Task.isCancelled { stream.close(.shutdown) }
            return nil
        }
        var result: (frames: [WireFrame], ended: Bool) = ([], true)
        for try await value in group {
            if let value {
                result = value
                group.cancelAll()
                break
            }
        }
        return result
    }
}

/// The event sequences among `frames`, in order.
func sequences(_ frames: [WireFrame]) -> [Int64] { frames.compactMap(\.sequence) }

/// Switches a stream that is still replaying to live without waiting: a
/// heartbeat is held during the replay, so the first `next()` after the
/// history returns it. Returns the event frames read on the way.
@discardableResult
func goLive(_ stream: EventStream, hub: Hub) async throws -> [WireFrame] {
    hub.heartbeat()
    let (frames, ended) = try await read(stream) { $0.contains { $0.comment == "ping" } }
    #expect(!ended)
    return frames.filter { $0.comment == nil }
}
