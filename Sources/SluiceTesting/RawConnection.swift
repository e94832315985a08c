import Foundation

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// A loopback TCP connection driven byte by byte, for what an HTTP client
/// library will not send: malformed heads, half-sent requests, a reset in
/// the middle of a response. Reads poll without blocking and sleep between
/// polls (a blocked thread would starve the server's own tasks), each for a
/// bounded time.
public final class RawConnection: @unchecked Sendable {
    // One test task owns a connection; nothing here is shared between tasks.
    private let descriptor: Int32
    private var isOpen = true
    /// Every byte read so far.
    public private(set) var received: [UInt8] = []
    /// Whether the server closed its side.
    public private(set) var closedByServer = false

    public init(port: Int) throws {
        descriptor = try LoopbackSocket.connected(to: port)
    }

    deinit { if isOpen { close(descriptor) } }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw StalledReaderError() }
            offset += sent
        }
    }

    /// Reads until `condition` holds for what was received, the server
    /// closes, or `timeout` passes; returns whether the condition held.
    @discardableResult
    public func read(timeout: Duration = .seconds(5), until condition: ([UInt8]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition(received) {
            guard !closedByServer else { return false }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 0) > 0 else {
                try? await Task.sleep(for: .milliseconds(5))
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 {
                closedByServer = true
            } else {
                received += buffer[0..<count]
            }
        }
        return true
    }

    /// What was received, as text.
    public var text: String { String(decoding: received, as: UTF8.self) }

    /// Waits for the complete response head; returns its status code.
    public func status(timeout: Duration = .seconds(5)) async -> Int? {
        guard await read(timeout: timeout, until: { Self.headEnd($0) != nil }) else { return nil }
        let line = text.prefix(while: { $0 != "\r" })
        let parts = line.split(separator: " ")
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    /// Waits for the server to close the connection.
    public func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        await read(timeout: timeout) { _ in false }
        return closedByServer
    }

    /// Closes with a reset (SO_LINGER 0): the server sees ECONNRESET, not a FIN.
    public func reset() {
        guard isOpen else { return }
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        close(descriptor)
        isOpen = false
    }

    /// Closes normally.
    public func disconnect() {
        guard isOpen else { return }
        close(descriptor)
        isOpen = false
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
