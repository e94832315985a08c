import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore
import Synchronization

/// A real SSE connection for tests: the response head, then events parsed
/// from the raw bytes as they arrive (a background task reads the body).
/// Every wait has a deadline; `close()` drops the connection.
public final class SSEClient: Sendable {
    public let status: Int
    public let headers: HTTPHeaders

    private struct State: Sendable {
        var parser = SSEParser()
        var pending: [SSEParser.Event] = []
        var raw: [UInt8] = []
        var ended = false
        var errorBody = ""
    }

    private final class Box: Sendable {
        let state = Mutex(State())
    }

    private let box = Box()
    private let reader: Task<Void, Never>

    public init(url: String, headers: [(String, String)] = []) async throws {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        status = Int(response.status.code)
        self.headers = response.headers
        let box = self.box
        let isStream = status == 200
        reader = Task {
            do {
                for try await chunk in response.body {
                    box.state.withLock { s in
                        if isStream {
                            s.raw.append(contentsOf: chunk.readableBytesView)
                            s.pending.append(contentsOf: s.parser.feed(chunk.readableBytesView))
                        } else {
                            s.errorBody += String(buffer: chunk)
                        }
                    }
                }
            } catch {}
            box.state.withLock { $0.ended = true }
        }
        if !isStream { _ = await reader.value }
    }

    /// The body of a non-200 answer.
    public var errorBody: String { box.state.withLock { $0.errorBody } }
    public var raw: [UInt8] { box.state.withLock { $0.raw } }
    public var ended: Bool { box.state.withLock { $0.ended } }
    public var comments: Int { box.state.withLock { $0.parser.comments } }
    public var lastEventID: String? { box.state.withLock { $0.parser.lastEventID } }

    /// Drops the connection.
    public func close() {
        reader.cancel()
    }

    /// Polls `condition` every 5 ms until it holds or `timeout` passes.
    private func wait(_ timeout: Duration, _ condition: (inout State) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if box.state.withLock({ condition(&$0) }) { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The next event (control events included), or nil when the stream
    /// ends or `timeout` passes.
    public func next(timeout: Duration = .seconds(5)) async -> SSEParser.Event? {
        var event: SSEParser.Event?
        _ = await wait(timeout) { s in
            if !s.pending.isEmpty {
                event = s.pending.removeFirst()
                return true
            }
            return s.ended
        }
        return event
    }

    /// The next `count` events that are not `connected` or `reset`.
    public func events(_ count: Int, timeout: Duration = .seconds(10)) async -> [SSEParser.Event] {
        var out: [SSEParser.Event] = []
        let deadline = ContinuousClock.now + timeout
        while out.count < count {
            let left = deadline - ContinuousClock.now
            guard left > .zero, let event = await next(timeout: left) else { break }
            if event.name == "connected" || event.name == "reset" { continue }
            out.append(event)
        }
        return out
    }

    /// Whether the server ended the stream within `timeout`.
    public func waitForEnd(timeout: Duration) async -> Bool {
        await wait(timeout) { $0.ended }
    }

    /// Whether at least `count` comment lines (heartbeats) arrived within `timeout`.
    public func waitForComments(_ count: Int, timeout: Duration) async -> Bool {
        await wait(timeout) { $0.parser.comments >= count }
    }
}
