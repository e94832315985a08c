import SluiceTesting
import Testing

/// Opens `count` public streams on `port` as a widget's viewers arriving
/// together: every connection sends its plain request first, then each is
/// expected to get its `connected` event.
func openViewers(_ count: Int, port: Int, circle: String, token: String) async throws -> [RawConnection] {
    let connections = try (0..<count).map { _ in try RawConnection(port: port) }
    for connection in connections { try connection.write("GET /api/public/events/\(circle)?t=\(token) HTTP/1.1\r\nHost: x\r\n\r\n") }
    for connection in connections {
        #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("event: connected") })
    }
    return connections
}
