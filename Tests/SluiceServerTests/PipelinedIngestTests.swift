import Foundation
import SluiceCore
import SluiceTesting
import Testing

/// Pipelined ingest requests on one connection (HTTP/1.1 allows a client to
/// send several before the first answer): read ahead and committed
/// together, answered in order, each with its own answer, a bad one alone.
@Suite struct PipelinedIngestTests {
    /// One answer read off the connection.
    struct Answer {
        let status: Int
        let body: String
        var ids: [Int64] {
            (try? JSONValue.parse(body))?["ids"]?.arrayValues?.compactMap { $0.stringValue.flatMap { Int64($0) } } ?? []
        }
    }

    /// Splits what was received into complete responses (each has a
    /// `Content-Length`).
    static func answers(_ bytes: [UInt8]) -> [Answer] {
        var answers: [Answer] = []
        var rest = bytes[...]
        while let end = rest.indices.dropLast(3).first(where: {
            rest[$0] == 13 && rest[$0 + 1] == 10 && rest[$0 + 2] == 13 && rest[$0 + 3] == 10
        }) {
            let head = String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
            let lines = head.split(separator: "\r\n")
            guard let status = lines.first.flatMap({ $0.split(separator: " ").dropFirst().first }).flatMap({ Int($0) }) else { break }
            let length =
                lines.dropFirst().compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
            let bodyStart = end + 4
            guard rest.endIndex - bodyStart >= length else { break }
            answers.append(Answer(status: status, body: String(decoding: rest[bodyStart..<(bodyStart + length)], as: UTF8.self)))
            rest = rest[(bodyStart + length)...]
        }
        return answers
    }

    static func post(_ body: String, key: String, circle: String = "acme", extra: String = "") -> String {
        "POST /api/\(circle)/events HTTP/1.1\r\nHost: t\r\nX-Api-Key: \(key)\r\nContent-Type: application/json\r\n\(extra)"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func event(_ n: Int) -> String { #"{"subject":"orders.created","payload":{"n":\#(n)}}"# }

    /// Sends `requests` in one write and reads `count` answers.
    static func exchange(_ server: TestServer, _ requests: [String], answers count: Int) async throws -> [Answer] {
        let connection = try RawConnection(port: server.port)
        try connection.write(requests.joined())
        await connection.read(timeout: .seconds(20)) { answers($0).count >= count }
        return answers(connection.received)
    }

    static func storedN(_ server: TestServer) async throws -> [Int] {
        try await server.gateway.store.events(in: CircleID("acme")!, after: 0, limit: 1000).map { $0.input.payload["n"]?.intValue ?? -1 }
    }

    @Test func pipelinedRequestsAreAnsweredInOrderEachWithItsOwnIdsAndShareCommits() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let before = server.gateway.ingest.groupsCommitted
        let count = 40
        let answers = try await Self.exchange(server, (1...count).map { Self.post(Self.event($0), key: key) }, answers: count)
        #expect(answers.count == count)
        #expect(answers.allSatisfy { $0.status == 201 })
        let ids = answers.flatMap(\.ids)
        #expect(ids.count == count)
        #expect(ids == ids.sorted() && Set(ids).count == count, "answers in order, one id each")
        // Stored in the order sent, and answer i names the event of request i.
        let stored = try await server.gateway.store.events(in: CircleID("acme")!, after: 0, limit: 1000)
        #expect(try await Self.storedN(server) == Array(1...count))
        #expect(stored.map(\.sequence) == ids)
        // Read ahead: fewer commits than requests (one per request without it).
        #expect(server.gateway.ingest.groupsCommitted - before < count)
        try await server.stop()
    }

    @Test func aBadRequestInTheMiddleIsAnsweredAloneAndTheOthersAreStored() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let reader = try await server.makeKey("acme", scopes: ["events:read"])
        var requests = (1...9).map { Self.post(Self.event($0), key: key) }
        requests[2] = Self.post(#"{"subject":"orders.created","payload":"#, key: key)  // not JSON
        requests[4] = Self.post(Self.event(5), key: reader)  // may not publish
        requests[6] = Self.post(Self.event(7), key: "slk_wrongwrongw_" + String(repeating: "x", count: 40))
        let answers = try await Self.exchange(server, requests, answers: 9)
        #expect(answers.map(\.status) == [201, 201, 400, 201, 403, 201, 401, 201, 201])
        #expect(try await Self.storedN(server) == [1, 2, 4, 6, 8, 9])
        let ids = answers.flatMap(\.ids)
        #expect(ids == ids.sorted() && ids.count == 6)
        try await server.stop()
    }

    @Test func nothingAfterARequestThatClosesTheConnectionIsStored() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let requests = [
            Self.post(Self.event(1), key: key), Self.post(Self.event(2), key: key, extra: "Connection: close\r\n"),
            Self.post(Self.event(3), key: key), Self.post(Self.event(4), key: key),
        ]
        let connection = try RawConnection(port: server.port)
        try connection.write(requests.joined())
        #expect(await connection.waitForClose(timeout: .seconds(20)))
        #expect(Self.answers(connection.received).map(\.status) == [201, 201])
        #expect(try await Self.storedN(server) == [1, 2])
        try await server.stop()
    }

    @Test func otherRequestsInThePipelineKeepTheirPlace() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let requests = [
            Self.post(Self.event(1), key: key), Self.post(Self.event(2), key: key),
            "GET /api/acme/events/9 HTTP/1.1\r\nHost: t\r\nX-Api-Key: \(key)\r\n\r\n",
            Self.post(Self.event(3), key: key, extra: "Idempotency-Key: k1\r\n"),
            Self.post(Self.event(3), key: key, extra: "Idempotency-Key: k1\r\n"),
            Self.post(Self.event(4), key: key), Self.post(Self.event(5), key: key, circle: "nowhere"),
            Self.post(Self.event(6), key: key),
        ]
        let answers = try await Self.exchange(server, requests, answers: requests.count)
        #expect(answers.count == requests.count)
        #expect(answers[0].status == 201 && answers[1].status == 201)
        #expect(answers[2].status != 201)
        #expect(answers[3].status == 201 && answers[4].status == 201 && answers[3].ids == answers[4].ids, "the retry is replayed")
        #expect(answers[5].status == 201 && answers[7].status == 201)
        #expect(answers[6].status == 403 || answers[6].status == 404)
        #expect(try await Self.storedN(server) == [1, 2, 3, 4, 6])
        try await server.stop()
    }

    @Test func withTheReadAheadOffEveryRequestIsItsOwnCommit() async throws {
        let server = try await TestServer.start { $0.pipelineReadAhead = 0 }
        let key = try await server.makeCircle("acme")
        let before = server.gateway.ingest.groupsCommitted
        let answers = try await Self.exchange(server, (1...10).map { Self.post(Self.event($0), key: key) }, answers: 10)
        #expect(answers.map(\.status) == Array(repeating: 201, count: 10))
        #expect(server.gateway.ingest.groupsCommitted - before == 10)
        #expect(try await Self.storedN(server) == Array(1...10))
        try await server.stop()
    }
}
