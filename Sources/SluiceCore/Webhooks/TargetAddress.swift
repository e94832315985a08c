/// Which resolved addresses a webhook may be sent to (contract section 10):
/// unless private targets are allowed, none that is loopback, link-local,
/// private, unique-local, unspecified, shared (CGNAT), multicast or
/// broadcast, including IPv4 addresses hidden in IPv6 forms (mapped,
/// compatible, NAT64). Works on raw address bytes, so it has no I/O.
public enum TargetAddress {
    /// Whether an IPv4 (4 bytes) or IPv6 (16 bytes) address is not public.
    /// Anything of another length is refused too.
    public static func isRestricted(_ bytes: [UInt8]) -> Bool {
        switch bytes.count {
        case 4: return isRestrictedIPv4(bytes)
        case 16: return isRestrictedIPv6(bytes)
        default: return true
        }
    }

    static func isRestrictedIPv4(_ b: [UInt8]) -> Bool {
        switch b[0] {
        case 0, 10, 127: return true  // this network, private, loopback
        case 100 where b[1] & 0xC0 == 64: return true  // 100.64.0.0/10 shared address space
        case 169 where b[1] == 254: return true  // link-local
        case 172 where b[1] & 0xF0 == 16: return true  // 172.16.0.0/12
        case 192 where b[1] == 168: return true  // 192.168.0.0/16
        case 192 where b[1] == 0 && b[2] == 0: return true  // IETF protocol assignments
        case 198 where b[1] & 0xFE == 18: return true  // benchmarking 198.18.0.0/15
        case 224...255: return true  // multicast, reserved, broadcast
        default: return false
        }
    }

    static func isRestrictedIPv6(_ b: [UInt8]) -> Bool {
        let firstTenZero = b[0..<10].allSatisfy { $0 == 0 }
        if firstTenZero && b[10] == 0xFF && b[11] == 0xFF { return isRestrictedIPv4(Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if b[0..<12].allSatisfy({ $0 == 0 }) { return true }  // ::, ::1, ::a.b.c.d (deprecated compatible)
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B, b[4..<12].allSatisfy({ $0 == 0 }) {
            return isRestrictedIPv4(Array(b[12..<16]))  // 64:ff9b::/96 NAT64
        }
        if b[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique-local
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
        if b[0] == 0xFE && b[1] & 0xC0 == 0xC0 { return true }  // fec0::/10 site-local (deprecated)
        if b[0] == 0xFF { return true }  // multicast
        return false
    }
}
