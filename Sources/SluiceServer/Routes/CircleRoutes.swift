import Hummingbird
import SluiceCore
import SluiceStore

/// One circle with its display name (`GET /api/circles/{circle}`, contract
/// section 7), and the rule for that name, which circle creation applies.
public struct CircleRoutes: Sendable {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/api/circles/{circle}") { request, context in try await show(request, context) }
    }

    /// The optional `name` of a circle body: 1-200 characters, no control characters.
    public static func name(_ body: JSONValue) throws(SluiceError) -> String? {
        guard let name = try RequestParsing.string(body, "name") else { return nil }
        guard (1...200).contains(name.count) else { throw .invalidField("name", "must be 1-200 characters") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidField("name", "must not contain control characters")
        }
        return name
    }

    public static func describe(_ circle: NamedCircle) -> JSONValue {
        .object([
            ("id", .string(circle.id.rawValue)),
            ("name", circle.name.map(JSONValue.string) ?? .null),
            ("created_at", .string(circle.createdAt.rfc3339)),
        ])
    }

    func show(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        try gateway.authenticator.authenticate(request).requirePlatformAdmin()
        let circle = try RequestParsing.circle(context)
        guard let named = try await gateway.store.namedCircle(circle) else { throw SluiceError.notFound("no such circle") }
        return RequestParsing.json(Self.describe(named))
    }
}
