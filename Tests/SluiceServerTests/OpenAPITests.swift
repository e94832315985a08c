import Foundation
import Hummingbird
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceServer

/// `GET /openapi.json`: served without credentials, OpenAPI 3.1, and it
/// describes every route the router serves and every error code.
@Suite struct OpenAPITests {
    /// A path template with its parameter names erased, so `{run}` in the
    /// router and `{run_id}` in the contract compare equal.
    static func shape(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix("{") ? "{}" : String($0) }
            .joined(separator: "/")
    }

    @Test func theDescriptionIsServedAndCoversEveryRoute() async throws {
        let server = try await TestServer.start()
        let reply = try await server.request(.GET, "/openapi.json")
        #expect(reply.status == 200)
        #expect(reply.headers["Content-Type"].first == "application/json")
        let document = try #require(reply.json)
        #expect(document["openapi"] == .string("3.1.0"))
        let paths = try #require(document["paths"]?.objectMembers)
        var described = Set<String>()
        for (path, operations) in paths {
            for (method, _) in operations.objectMembers ?? [] { described.insert("\(method.uppercased()) \(Self.shape(path))") }
        }
        let routes = SluiceServer(gateway: server.gateway).makeRouter().routes
        #expect(!routes.isEmpty)
        for route in routes {
            let name = "\(route.method.rawValue) \(Self.shape(route.path.description))"
            #expect(described.contains(name), "\(name) is described")
        }
        let codes = Set(document["components"]?["schemas"]?["ProblemCode"]?["enum"]?.arrayValues?.compactMap(\.stringValue) ?? [])
        for entry in SluiceError.catalogue where entry.code != "invalid_configuration" {
            #expect(codes.contains(entry.code), "\(entry.code) is documented")
        }
        let schemes = Set(document["components"]?["securitySchemes"]?.objectMembers?.map(\.0) ?? [])
        #expect(schemes == ["apiKeyHeader", "bearer", "sessionCookie", "shareToken"])
        let stream = document["paths"]?["/api/events/{circle}"]?["get"]?["responses"]?["200"]?["content"]
        #expect(stream?["text/event-stream"] != nil)
        try await server.stop()
    }
}
