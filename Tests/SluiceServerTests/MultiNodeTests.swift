import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore
import SluiceServer
import SluiceTesting
import Synchronization
import Testing

/// Several gateway nodes on one PostgreSQL database (contract section 11),
/// each a real server on loopback reading real bytes: what is published on
/// one node streams from every other, in one order, resumes anywhere, and
/// every revocation, deletion and connection limit holds across them.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MultiNodeTests {
    @Test func publishedOnOneNodeStreamsOnEveryOther() async throws {
        try await withNodes(3) { nodes in
            let (a, b, c) = (nodes[0], nodes[1], nodes[2])
            let key = try await a.makeCircle("acme")
            let member = try await SSEClient(url: b.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
            #expect(member.status == 200)
            #expect(await member.next()?.name == "connected")
            let token = try await mint(a, key: key).token
            let widget = try await SSEClient(url: c.baseURL + "/api/public/events/acme?t=\(token)")
            #expect(widget.status == 200)
            #expect(await widget.next()?.name == "connected")
            for i in 1...20 { #expect(try await a.publish("acme", key: key, Self.board(i)).status == 201) }
            let seen = await member.events(20)
            #expect(seen.compactMap(\.id) == (1...20).map(String.init))
            let shown = await widget.events(20)
            #expect(shown.count == 20)
            #expect(shown.allSatisfy { $0.id != nil && Int($0.id ?? "") == nil }, "public ids stay opaque")
            #expect(shown.last?.data.contains(#""total":20"#) == true)
            member.close()
            widget.close()
        }
    }

    @Test func publishersOnTwoNodesGetOneGapFreeOrderEveryNodeAgreesOn() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let key = try await a.makeCircle("acme")
            let onA = try await SSEClient(url: a.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
            let onB = try await SSEClient(url: b.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
            #expect(await onA.next()?.name == "connected")
            #expect(await onB.next()?.name == "connected")
            let perNode = 60
            let ids = Collected()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, node) in [a, b].enumerated() {
                    for worker in 0..<3 {
                        group.addTask {
                            for i in 0..<(perNode / 3) {
                                let reply = try await node.publish("acme", key: key, #"{"subject":"n\#(index).w\#(worker).e\#(i)"}"#)
                                #expect(reply.status == 201)
                                let got = reply.json?["ids"]?.arrayValues?.compactMap { $0.stringValue.flatMap(Int.init) } ?? []
                                ids.add(got)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let total = 2 * perNode
            #expect(ids.all.sorted() == Array(1...total), "ids exactly 1..N")
            let fromA = await onA.events(total, timeout: .seconds(20))
            let fromB = await onB.events(total, timeout: .seconds(20))
            #expect(fromA.compactMap(\.id) == (1...total).map(String.init))
            #expect(fromA.map(\.name) == fromB.map(\.name), "both nodes deliver the same events in the same order")
            #expect(fromB.compactMap(\.id) == fromA.compactMap(\.id))
            onA.close()
            onB.close()
        }
    }

    @Test func aKeyCreatedOnOneNodeWorksAtOnceOnAnother() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            _ = try await a.makeCircle("acme")
            for i in 1...5 {
                let key = try await a.makeKey("acme", scopes: ["events:publish"])
                let reply = try await b.publish("acme", key: key, #"{"subject":"orders.o\#(i).updated"}"#)
                #expect(reply.status == 201, "\(reply.body)")
            }
        }
    }

    @Test func aStreamResumesOnAnotherNode() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let key = try await a.makeCircle("acme")
            for i in 1...5 { try await a.publish("acme", key: key, #"{"subject":"orders.o\#(i).updated"}"#) }
            let resumed = try await SSEClient(url: b.baseURL + "/api/events/acme", headers: [("X-Api-Key", key), ("Last-Event-ID", "2")])
            #expect(resumed.status == 200)
            let history = await resumed.events(3)
            #expect(history.compactMap(\.id) == ["3", "4", "5"])
            try await a.publish("acme", key: key, #"{"subject":"orders.o6.updated"}"#)
            #expect(await resumed.events(1).first?.id == "6")
            resumed.close()
        }
    }

    @Test func aKeyRevokedOnOneNodeClosesItsStreamOnAnotherWithinTwoSeconds() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let manager = try await a.makeCircle("acme")
            let reader = try await a.makeKey("acme", scopes: ["events:read"])
            let stream = try await SSEClient(url: b.baseURL + "/api/events/acme", headers: [("X-Api-Key", reader)])
            #expect(await stream.next()?.name == "connected")
            let id = try #require(APIKeyToken(parsing: reader)?.id)
            let started = ContinuousClock.now
            #expect(try await a.request(.DELETE, "/api/acme/keys/\(id)", key: manager).status == 204)
            #expect(await stream.waitForEnd(timeout: .seconds(2)), "closed on the other node within 2 s")
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(try await b.request(.GET, "/api/acme/keys", key: reader).status == 401)
            #expect(try await SSEClient(url: b.baseURL + "/api/events/acme", headers: [("X-Api-Key", reader)]).status == 401)
        }
    }

    @Test func aShareTokenMintedOnOneNodeAndRevokedOnAnotherClosesOnAThird() async throws {
        try await withNodes(3) { nodes in
            let (a, b, c) = (nodes[0], nodes[1], nodes[2])
            let key = try await a.makeCircle("acme")
            let minted = try await mint(b, key: key)
            let widget = try await SSEClient(url: c.baseURL + "/api/public/events/acme?t=\(minted.token)")
            #expect(widget.status == 200)
            #expect(await widget.next()?.name == "connected")
            #expect(try await a.request(.DELETE, "/api/acme/_share/\(minted.jti)", key: key).status == 204)
            #expect(await widget.waitForEnd(timeout: .seconds(2)))
            #expect(try await SSEClient(url: c.baseURL + "/api/public/events/acme?t=\(minted.token)").status == 401)
        }
    }

    @Test func maxConnectionsCountsEveryNodeAndAVanishedNodesSlotsFree() async throws {
        try await withNodes(3) { nodes in
            let (a, b, c) = (nodes[0], nodes[1], nodes[2])
            let key = try await a.makeCircle("acme")
            let token = try await mint(a, key: key, body: #"{"element":"sales-board","purpose":"public-widget","max_connections":2}"#).token
            let path = "/api/public/events/acme?t=\(token)"
            let first = try await SSEClient(url: a.baseURL + path)
            let second = try await SSEClient(url: b.baseURL + path)
            #expect(first.status == 200)
            #expect(second.status == 200)
            #expect(try await SSEClient(url: c.baseURL + path).status == 429, "the third stream over all nodes is refused")
            #expect(try await SSEClient(url: a.baseURL + path).status == 429)
            // A stream that ends gives its slot back.
            second.close()
            #expect(try await eventually { try await SSEClient(url: c.baseURL + path).status == 200 })
            // Node A stops renewing (it "vanished", as far as C's clock says):
            // 31 s later on C's clock, A's slot has expired and C may take it.
            #expect(try await SSEClient(url: c.baseURL + path).status == 429)
            c.clock.advance(by: 31)
            #expect(try await SSEClient(url: c.baseURL + path).status == 200)
            first.close()
        }
    }

    /// A token minted on A, first seen on B by many viewers at once: B reads
    /// its record once, and every one of them is served on B's fast path.
    @Test func aTokenFromAnotherNodeIsReadOnceAndServedOnTheFastPath() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let key = try await a.makeCircle("acme")
            let token = try await mint(a, key: key).token
            let before = try await MetricsScrape.of(b).value("sluice_streams_fast_path_total") ?? 0
            let connections = try await openViewers(10, port: b.port, circle: "acme", token: token)
            #expect(try await MetricsScrape.of(b).value("sluice_streams_fast_path_total") == before + 10)
            // An event published on A reaches them.
            #expect(try await a.publish("acme", key: key, Self.board(1)).status == 201)
            for connection in connections {
                #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("sales-board") })
                connection.disconnect()
            }
        }
    }

    /// A token counted over every node is still served from the listener's
    /// event loop once the node knows it: the slot is taken from the store
    /// first, counted with every other node's, and given back when the
    /// stream ends; the events published on another node reach it.
    @Test func aCountedTokenIsServedFromTheFastPathWithItsSlotsSharedByEveryNode() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let key = try await a.makeCircle("acme")
            let token = try await mint(a, key: key, body: #"{"element":"sales-board","purpose":"public-widget","max_connections":3}"#).token
            let path = "/api/public/events/acme?t=\(token)"
            // The first sight of the token on B goes through the route and teaches B the token.
            let first = try await SSEClient(url: b.baseURL + path)
            #expect(first.status == 200)
            #expect(await first.next()?.name == "connected")
            let before = try await MetricsScrape.of(b).value("sluice_streams_fast_path_total") ?? 0
            // The listener's fast path serves the plain request shape (as a widget's EventSource sends it).
            var fast: [RawConnection] = []
            for _ in 0..<2 {
                let connection = try RawConnection(port: b.port)
                try connection.write("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains("event: connected") })
                fast.append(connection)
            }
            #expect(try await MetricsScrape.of(b).value("sluice_streams_fast_path_total") == before + 2)
            // Three streams on B hold all three slots: A and B both refuse a fourth.
            #expect(try await SSEClient(url: a.baseURL + path).status == 429)
            #expect(try await SSEClient(url: b.baseURL + path).status == 429)
            #expect(try await a.publish("acme", key: key, Self.board(1)).status == 201)
            #expect(await first.next()?.data.contains(#""total":1"#) == true)
            for connection in fast { #expect(await connection.read { String(decoding: $0, as: UTF8.self).contains(#""total":1"#) }) }
            // A fast-path stream that ends gives its slot back, for any node.
            fast[0].disconnect()
            #expect(try await eventually { try await SSEClient(url: a.baseURL + path).status == 200 })
            first.close()
            fast[1].disconnect()
        }
    }

    @Test func aCircleDeletedOnOneNodeIsGoneOnEveryOther() async throws {
        try await withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            let key = try await a.makeCircle("acme")
            let stream = try await SSEClient(url: b.baseURL + "/api/events/acme", headers: [("X-Api-Key", key)])
            #expect(await stream.next()?.name == "connected")
            #expect(try await a.request(.DELETE, "/api/circles/acme", key: a.adminKey).status == 204)
            #expect(await stream.waitForEnd(timeout: .seconds(2)))
            #expect(try await b.publish("acme", key: key, #"{"subject":"orders.o1.updated"}"#).status == 401)
            #expect(try await b.request(.GET, "/api/circles/acme", key: b.adminKey).status == 404)
        }
    }

    @Test func retentionRunsOnOneNodeAtATime() async throws {
        let database = try await PostgresCluster.shared().makeDatabase()
        let configure: @Sendable (inout SluiceConfiguration) -> Void = { configuration in
            configuration.database = database
            configuration.retentionMaxEvents = 5
            configuration.retentionIntervalSeconds = 0.05
        }
        let a = try await TestServer.start(configure: configure)
        let b = try await TestServer.start(configure: configure)
        let key = try await a.makeCircle("acme")
        for i in 1...20 {
            let reply = try await b.publish("acme", key: key, #"{"subject":"orders.o\#(i).updated"}"#)
            #expect(reply.status == 201, "\(reply.body)")
        }
        let store = a.gateway.store
        #expect(try await eventually(10) { try await store.bounds(of: CircleID("acme")!).trimmedThrough == 15 })
        // One of the two holds the lease; nobody else may take it while they run.
        let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let holders = [a.gateway.nodeID, b.gateway.nodeID]
        #expect(try await store.acquireLease("retention", holder: "intruder", until: now, now: now) == false)
        let held = try await holders.asyncFilter {
            try await store.acquireLease("retention", holder: $0, until: Timestamp(milliseconds: now.milliseconds + 60_000), now: now)
        }
        #expect(held.count == 1, "exactly one node holds the retention lease")
        try await a.stop()
        try await b.stop()
    }

    @Test func twoNodesStartingAtOnceOnAnEmptyDatabaseBothComeUp() async throws {
        let database = try await PostgresCluster.shared().makeDatabase()
        async let first = TestServer.start { $0.database = database }
        async let second = TestServer.start { $0.database = database }
        let (a, b) = try await (first, second)
        let key = try await a.makeCircle("acme")
        #expect(try await b.publish("acme", key: key, #"{"subject":"orders.o1.updated"}"#).status == 201)
        #expect(try await a.request(.GET, "/readyz").status == 200)
        #expect(try await b.request(.GET, "/readyz").status == 200)
        try await a.stop()
        try await b.stop()
    }

    @Test func twoNodesStartingAtOnceWithOneAdminKeyBothComeUpWithIt() async throws {
        let database = try await PostgresCluster.shared().makeDatabase()
        var generator = SystemRandomNumberGenerator()
        let admin = APIKeyToken.generate(using: &generator)
        async let first = TestServer.start {
            $0.database = database; $0.adminKey = admin
        }
        async let second = TestServer.start {
            $0.database = database; $0.adminKey = admin
        }
        let (a, b) = try await (first, second)
        for node in [a, b] {
            #expect(try await node.request(.GET, "/api/circles", key: admin.text).status == 200)
        }
        #expect(try await a.gateway.store.keys(in: nil).map(\.id) == [admin.id], "one platform key, installed once")
        try await a.stop()
        try await b.stop()
    }
}

extension MultiNodeTests {
    /// Starts `count` nodes on one fresh database (the first migrates it),
    /// runs `body`, and stops them all.
    func withNodes(_ count: Int, database existing: String? = nil, _ body: ([TestServer]) async throws -> Void) async throws {
        let database: String
        if let existing { database = existing } else { database = try await PostgresCluster.shared().makeDatabase() }
        var nodes: [TestServer] = []
        do {
            for _ in 0..<count { nodes.append(try await TestServer.start { $0.database = database }) }
            try await body(nodes)
        } catch {
            for node in nodes { try? await node.stop() }
            throw error
        }
        for node in nodes {
            try await node.stop()
        }
    }

    struct Minted {
        let token: String
        let jti: String
    }

    func mint(_ server: TestServer, key: String, body: String = #"{"element":"sales-board","purpose":"public-widget"}"#) async throws
        -> Minted
    {
        let reply = try await server.request(.POST, "/api/acme/_share/mint", key: key, body: body)
        guard reply.status == 201, let token = reply.json?["token"]?.stringValue, let jti = reply.json?["jti"]?.stringValue else {
            throw SluiceError.invalidRequest("mint failed: \(reply.body)")
        }
        return Minted(token: token, jti: jti)
    }

    static func board(_ i: Int) -> String {
        #"{"subject":"sales-board.b\#(i).completed","payload":{"output":{"total":\#(i)}}}"#
    }
}

extension Array where Element: Sendable {
    /// The elements for which `keep` holds, asked one at a time.
    func asyncFilter(_ keep: (Element) async throws -> Bool) async rethrows -> [Element] {
        var kept: [Element] = []
        for element in self where try await keep(element) { kept.append(element) }
        return kept
    }
}

/// Ids acknowledged to several publishers at once.
final class Collected: Sendable {
    private let ids = Mutex<[Int]>([])
    func add(_ more: [Int]) { ids.withLock { $0 += more } }
    var all: [Int] { ids.withLock { $0 } }
}
