import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A loopback port held by a bound socket that never listens: connections to
/// it are refused (an endpoint that is down), and no other test can take the
/// port meanwhile. A receiver started on it later (with `SO_REUSEADDR`)
/// binds alongside; then the reservation is released.
public final class PortReservation: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        (descriptor, port) = try LoopbackSocket.bound { fd in
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    public func release() { close(descriptor) }
}
