#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// A client that sends a stream request on a raw loopback socket with a tiny
/// receive buffer and then never reads: a subscriber that stopped reading.
public final class StalledReader: Sendable {
    private let descriptor: Int32

    public init(port: Int, path: String, headers: [(String, String)] = []) throws {
        let fd = try LoopbackSocket.connected(to: port) { fd in
            var size: Int32 = 2048
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard send(fd, bytes, bytes.count, 0) == bytes.count else {
            close(fd)
            throw StalledReaderError()
        }
        descriptor = fd
    }

    /// Closes the socket.
    public func disconnect() {
        close(descriptor)
    }
}

struct StalledReaderError: Error {}

/// A loopback port that was free a moment ago (for a server that must come
/// back on the same port after a restart).
public func freeLoopbackPort() throws -> Int {
    let (fd, port) = try LoopbackSocket.bound()
    close(fd)
    return port
}
