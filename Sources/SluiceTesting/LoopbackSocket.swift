import Foundation

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The socket calls the raw-socket test clients share: a TCP socket
/// connected to, or bound on, 127.0.0.1. Each returns a descriptor the
/// caller owns, or throws with nothing left open.
public enum LoopbackSocket {
    /// A socket connected to `port`; `configure` runs on it before connecting
    /// (a receive buffer size, a timeout).
    public static func connected(to port: Int, configure: (Int32) -> Void = { _ in }) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StalledReaderError() }
        configure(fd)
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw StalledReaderError()
        }
        return fd
    }

    /// A socket bound to a free loopback port (never listening), with that port.
    public static func bound(configure: (Int32) -> Void = { _ in }) throws -> (descriptor: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StalledReaderError() }
        configure(fd)
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw StalledReaderError()
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
