import Foundation
import NIOPosix
import SluiceCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a webhook may be sent (contract section 10): `http` or `https`
/// only, no credentials in the URL, and, unless private targets are allowed,
/// a host whose every address is public. Checked at creation (400 naming
/// `url`) and again before each delivery, since the address may change.
public enum WebhookTarget {
    public static let maximumLength = 2048

    /// The URL's host when its form is acceptable, else a 400 naming `url`.
    public static func validate(_ text: String) throws(SluiceError) -> String {
        guard text.utf8.count <= maximumLength else { throw .invalidField("url", "at most \(maximumLength) bytes") }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }), let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else { throw .invalidField("url", "must be an absolute http or https URL") }
        guard url.user == nil, url.password == nil else { throw .invalidField("url", "must not carry credentials") }
        guard var host = url.host, !host.isEmpty else { throw .invalidField("url", "must name a host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard url.fragment == nil else { throw .invalidField("url", "must not have a fragment") }
        return host
    }

    /// Validates the URL and resolves its host; throws a 400 naming `url` when
    /// the host does not resolve or, unless `allowPrivate`, any address is
    /// loopback, link-local, private or unique-local.
    public static func check(_ text: String, allowPrivate: Bool) async throws -> String {
        let host = try validate(text)
        if allowPrivate { return host }
        let addresses = try await NIOThreadPool.singleton.runIfActive { resolve(host) }
        guard let addresses, !addresses.isEmpty else { throw SluiceError.invalidField("url", "the host does not resolve") }
        guard !addresses.contains(where: TargetAddress.isRestricted) else {
            throw SluiceError.invalidField("url", "the host resolves to a loopback, link-local or private address")
        }
        return host
    }

    /// Every address `host` resolves to, as raw bytes (4 or 16), by the
    /// system resolver; nil when it does not resolve. Blocking: run it on a
    /// thread pool.
    static func resolve(_ host: String) -> [[UInt8]]? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            if let address = current.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var raw = pointer.pointee.sin_addr
                        out.append(withUnsafeBytes(of: &raw) { Array($0) })
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var raw = pointer.pointee.sin6_addr
                        out.append(withUnsafeBytes(of: &raw) { Array($0) })
                    }
                default:
                    out.append([])
                }
            }
            node = current.pointee.ai_next
        }
        return out
    }
}
