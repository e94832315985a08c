import Foundation
import SluiceCore
import SluiceTesting
import Testing

/// `sluice circles|keys|share` as a user runs them, against a real gateway:
/// over HTTP with `--url` (SluiceClient) and offline on its database (the
/// operations layer), each printing a table or summary, or `--json`.
@Suite struct AdminCommandTests {
    /// The command's answer.
    struct Result {
        let status: Int32
        let out: String
        let err: String
        var json: JSONValue? { try? JSONValue.parse(out.trimmingCharacters(in: .whitespacesAndNewlines)) }
        var lines: [String] { out.split(separator: "\n").map(String.init) }
    }

    /// Where the commands act: the gateway over HTTP, or its database offline.
    let remote: Bool
    let server: TestServer

    /// Runs the command without blocking the test's threads (the gateway runs
    /// in this process), bounded by a deadline.
    func sluice(_ arguments: [String]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandTests.binary)
        var environment = ["PATH": "/usr/bin:/bin"]
        if remote {
            process.arguments = arguments + ["--url", server.baseURL, "--key", server.adminKey]
        } else {
            process.arguments = arguments
            environment["SLUICE_DATABASE"] = "sqlite:\(server.directory.appendingPathComponent("sluice.db").path)"
            environment["SLUICE_POLICIES"] = server.directory.appendingPathComponent("policies").path
        }
        process.environment = environment
        process.currentDirectoryURL = repositoryRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, out: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            err: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// The cells of each table row after the header, split on runs of spaces.
    static func rows(_ result: Result) -> [[String]] {
        result.lines.dropFirst().map { $0.split(separator: "  ").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// Whether `condition` holds within 3 s (an offline change reaches the gateway through its change feed).
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test(arguments: [true, false]) static func circlesKeysAndShareTokens(remote: Bool) async throws {
        let server = try await TestServer.start()
        let test = AdminCommandTests(remote: remote, server: server)
        try await test.circles()
        try await test.keys()
        try await test.shareTokens()
        try await server.stop()
    }

    func circles() async throws {
        let created = try await sluice(["circles", "create", "acme", "--name", "Acme Inc."])
        #expect(created.status == 0, "\(created.err)")
        #expect(created.out == "created circle acme (Acme Inc.)\n")
        let plain = try await sluice(["circles", "create", "beta", "--json"])
        #expect(plain.json?["id"] == .string("beta"))
        #expect(plain.json?["name"] == .null)
        let again = try await sluice(["circles", "create", "acme"])
        #expect(again.status != 0)
        #expect(again.out.isEmpty)
        #expect(again.err.contains("circle_exists"), "\(again.err)")

        let table = try await sluice(["circles", "list"])
        #expect(table.status == 0, "\(table.err)")
        #expect(table.lines.first?.split(separator: " ") == ["ID", "NAME", "CREATED"])
        let rows = Self.rows(table)
        #expect(rows.map { Array($0.prefix(2)) } == [["acme", "Acme Inc."], ["beta", "-"]])
        #expect(rows.allSatisfy { $0.count == 3 && $0[2].hasSuffix("Z") })
        let json = try await sluice(["circles", "list", "--json"])
        #expect(json.json?["circles"]?.arrayValues?.compactMap { $0["id"]?.stringValue } == ["acme", "beta"])
        #expect(try await server.request(.GET, "/api/circles/acme", key: server.adminKey).json?["name"] == .string("Acme Inc."))

        let limits = try await sluice(["circles", "limits", "--circle", "beta", "--streams", "9"])
        #expect(limits.status == 0, "\(limits.err)")
        #expect(limits.lines.first == "limits of circle beta")
        #expect(limits.lines.dropFirst().map { $0.split(separator: " ").joined(separator: " ") }.last == "streams: 9 (override)")
        let shown = try await sluice(["circles", "limits", "--circle", "beta", "--json"])
        #expect(shown.json?["streams"] == .number("9"))
        #expect(shown.json?["events_per_second"] == .null)
    }

    func keys() async throws {
        let created = try await sluice(["keys", "create", "--circle", "acme", "--scopes", "events:read", "--name", "reader"])
        #expect(created.status == 0, "\(created.err)")
        let keyLine = try #require(created.lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("key:") })
        let secret = try #require(keyLine.split(separator: " ").last.map(String.init))
        let id = String(secret.dropFirst(4).prefix(12))
        #expect(secret.hasPrefix("slk_") && secret.count == 57)
        #expect(created.lines.first == "created key \(id) in circle acme")
        #expect(created.out.components(separatedBy: secret).count == 2, "the key is shown once")
        #expect(
            try await Self.eventually { try await server.request(.GET, "/api/acme/keys", key: secret).status == 403 },
            "a real key, without keys:manage")

        let scripted = try await sluice(["keys", "create", "--circle", "acme", "--scopes", "events:read", "events:publish", "--json"])
        let other = try #require(scripted.json?["id"]?.stringValue)
        #expect(scripted.json?["key"]?.stringValue?.hasPrefix("slk_\(other)_") == true)
        #expect(scripted.json?["scopes"] == .array([.string("events:publish"), .string("events:read")]))
        let refused = try await sluice(["keys", "create", "--circle", "acme", "--scopes", "events:everything"])
        #expect(refused.status != 0)
        #expect(refused.err.contains("invalid_request"), "\(refused.err)")

        let table = try await sluice(["keys", "list", "--circle", "acme"])
        #expect(table.status == 0, "\(table.err)")
        #expect(table.lines.first?.split(separator: " ").prefix(5) == ["ID", "NAME", "SCOPES", "SUBJECTS", "FACE"])
        let row = try #require(Self.rows(table).first { $0.first == id })
        #expect(Array(row.prefix(6)) == [id, "reader", "events:read", ">", "member", "never"])
        #expect(!table.out.contains(secret))
        let json = try await sluice(["keys", "list", "--circle", "acme", "--json"])
        let listed = json.json?["keys"]?.arrayValues?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(Set([id, other]).isSubset(of: Set(listed)))
        #expect(json.json?["keys"]?.arrayValues?.allSatisfy { $0["key"] == nil } == true)

        let revoked = try await sluice(["keys", "revoke", "--circle", "acme", id])
        #expect(revoked.status == 0, "\(revoked.err)")
        #expect(revoked.out == "revoked key \(id)\n")
        #expect(try await Self.eventually { try await server.request(.GET, "/api/acme/keys", key: secret).status == 401 })
        let twice = try await sluice(["keys", "revoke", "--circle", "acme", id])
        #expect(twice.status != 0)
        #expect(twice.err.contains("not_found"), "\(twice.err)")
        #expect(try await sluice(["keys", "revoke", "--circle", "acme", other, "--json"]).json == .object([("revoked", .string(other))]))
    }

    func shareTokens() async throws {
        let minted = try await sluice(["share", "mint", "--circle", "acme", "--element", "sales-board", "--purpose", "public-widget"])
        #expect(minted.status == 0, "\(minted.err)")
        let tokenLine = try #require(minted.lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("token:") })
        let token = try #require(tokenLine.split(separator: " ").last.map(String.init))
        #expect(try await Self.eventually { try await server.request(.GET, "/embed/acme?t=\(token)").status == 200 }, "a real token")
        let jti = try #require(minted.lines.first?.split(separator: " ").dropFirst(3).first.map(String.init))
        #expect(minted.lines.first == "minted share token \(jti) for sales-board through face public-widget")

        let scripted = try await sluice(["share", "mint", "--circle", "acme", "--element", "sales-board", "--purpose", "public-widget", "--json"])
        let other = try #require(scripted.json?["jti"]?.stringValue)
        #expect(scripted.json?["embed_url"]?.stringValue?.hasSuffix("/embed/acme?t=\(scripted.json?["token"]?.stringValue ?? "-")") == true)

        let table = try await sluice(["share", "list", "--circle", "acme"])
        #expect(table.status == 0, "\(table.err)")
        #expect(table.lines.first?.split(separator: " ").prefix(3) == ["JTI", "ELEMENT", "PURPOSE"])
        let row = try #require(Self.rows(table).first { $0.first == jti })
        #expect(Array(row.prefix(5)) == [jti, "sales-board", "public-widget", "sales-board.>", "-"])
        #expect(!table.out.contains(token))
        let json = try await sluice(["share", "list", "--circle", "acme", "--json"])
        #expect(Set(json.json?["tokens"]?.arrayValues?.compactMap { $0["jti"]?.stringValue } ?? []) == [jti, other])

        let revoked = try await sluice(["share", "revoke", "--circle", "acme", jti])
        #expect(revoked.status == 0, "\(revoked.err)")
        #expect(revoked.out == "revoked share token \(jti)\n")
        #expect(try await Self.eventually { try await server.request(.GET, "/embed/acme?t=\(token)").status == 401 })
        #expect(try await sluice(["share", "revoke", "--circle", "acme", other, "--json"]).json == .object([("revoked", .string(other))]))
        let after = try await sluice(["share", "list", "--circle", "acme", "--json"])
        #expect(after.json?["tokens"]?.arrayValues?.isEmpty == true)
        let gone = try await sluice(["share", "revoke", "--circle", "nowhere", jti])
        #expect(gone.status != 0)
        #expect(gone.err.hasPrefix("error: "), "\(gone.err)")
    }
}
