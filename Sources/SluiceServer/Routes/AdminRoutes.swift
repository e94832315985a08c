import Foundation
import Hummingbird
import SluiceCore
import SluiceCrypto
import SluiceStore

/// Circles (platform admins) and API keys (`keys:manage`), contract section 7.
struct AdminRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.post("/api/circles") { request, context in try await createCircle(request, context) }
        router.get("/api/circles") { request, _ in try await listCircles(request) }
        router.delete("/api/circles/{circle}") { request, context in try await deleteCircle(request, context) }
        router.post("/api/{circle}/keys") { request, context in try await createKey(request, context) }
        router.get("/api/{circle}/keys") { request, context in try await listKeys(request, context) }
        router.delete("/api/{circle}/keys/{id}") { request, context in try await revokeKey(request, context) }
        router.post("/api/{circle}/keys/{id}/rotate") { request, context in try await rotateKey(request, context) }
    }

    func createCircle(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        try gateway.authenticator.authenticate(request).requirePlatformAdmin()
        var request = request
        let body = try await RequestParsing.jsonObject(&request)
        try RequestParsing.rejectUnknown(body, allowed: ["id", "name"])
        guard let text = try RequestParsing.string(body, "id") else { throw SluiceError.invalidField("id", "is required") }
        guard let circle = CircleID(text) else {
            throw SluiceError.invalidField("id", "must match ^[a-z0-9][a-z0-9-]{0,62}$ and not be a reserved word")
        }
        let name = try CircleRoutes.name(body)
        let now = gateway.timestamp
        guard try await gateway.store.createCircle(circle, name: name, at: now) else { throw SluiceError.circleExists() }
        gateway.hub.seed(circle, latest: 0)
        return RequestParsing.json(CircleRoutes.describe(NamedCircle(id: circle, name: name, createdAt: now)), status: .created)
    }

    func listCircles(_ request: Request) async throws -> Response {
        try gateway.authenticator.authenticate(request).requirePlatformAdmin()
        let circles = try await gateway.store.circles()
        let names = try await gateway.store.circleNames()
        return RequestParsing.json(
            .object([
                (
                    "circles",
                    .array(
                        circles.map { circle in
                            CircleRoutes.describe(NamedCircle(id: circle.id, name: names[circle.id], createdAt: circle.createdAt))
                        })
                )
            ]))
    }

    func deleteCircle(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        try gateway.authenticator.authenticate(request).requirePlatformAdmin()
        let circle = try RequestParsing.circle(context)
        let keys = try await gateway.store.keys(in: circle)
        guard try await gateway.store.deleteCircle(circle) else { throw SluiceError.notFound("no such circle") }
        for key in keys { gateway.keys.remove(id: key.id) }
        gateway.hub.close(circle: circle)
        gateway.hub.forget(circle)
        return RequestParsing.noContent()
    }

    /// The circle from the path, after checking the caller holds `keys:manage`
    /// there. A circle the caller cannot see answers 403, not 404, so its
    /// existence is not revealed.
    func authorize(_ request: Request, _ context: SluiceRequestContext) async throws -> (Principal, CircleID) {
        let principal = try gateway.authenticator.authenticate(request)
        let circle = try RequestParsing.circle(context)
        try principal.require(.keysManage, in: circle)
        guard try await gateway.store.circleExists(circle) else { throw SluiceError.notFound("no such circle") }
        return (principal, circle)
    }

    func createKey(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (principal, circle) = try await authorize(request, context)
        var request = request
        let body = try await RequestParsing.jsonObject(&request)
        try RequestParsing.rejectUnknown(body, allowed: ["name", "scopes", "subjects", "face", "expires_in_seconds"])
        let (record, token) = try KeyIssuer.issue(
            body: body, circle: circle, grantor: principal, now: gateway.timestamp)
        try await gateway.store.insertKey(record)
        gateway.keys.put(record)
        return RequestParsing.json(KeyIssuer.describe(record, key: token.text), status: .created)
    }

    func listKeys(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (_, circle) = try await authorize(request, context)
        let keys = try await gateway.store.keys(in: circle)
        return RequestParsing.json(.object([("keys", .array(keys.map { KeyIssuer.describe($0, key: nil) }))]))
    }

    func revokeKey(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (_, circle) = try await authorize(request, context)
        let id = context.parameters.get("id") ?? ""
        guard let record = try await gateway.store.key(id: id), record.circle == circle else { throw SluiceError.notFound("no such key") }
        _ = try await gateway.store.revokeKey(id: id, at: gateway.timestamp)
        gateway.keys.remove(id: id)
        gateway.hub.close(credential: .apiKey(id: id))
        return RequestParsing.noContent()
    }

    func rotateKey(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let (principal, circle) = try await authorize(request, context)
        let id = context.parameters.get("id") ?? ""
        guard let record = try await gateway.store.key(id: id), record.circle == circle, record.revokedAt == nil else {
            throw SluiceError.notFound("no such key")
        }
        guard record.scopes.isSubset(of: principal.scopes(in: circle)) else {
            throw SluiceError.forbidden("a key can only rotate keys whose scopes it holds")
        }
        guard let (rotated, token) = try await KeyIssuer.rotate(record, store: gateway.store) else {
            throw SluiceError.notFound("no such key")
        }
        gateway.keys.put(rotated)
        gateway.hub.close(credential: .apiKey(id: id))
        return RequestParsing.json(KeyIssuer.describe(rotated, key: token.text))
    }
}

/// Validates a key request and makes the record. A key never grants a scope
/// its grantor does not hold in the circle.
public enum KeyIssuer {
    public static func issue(
        body: JSONValue, circle: CircleID?, grantor: Principal?, now: Timestamp
    ) throws(SluiceError) -> (APIKeyRecord, APIKeyToken) {
        guard let scopeNames = try RequestParsing.strings(body, "scopes"), !scopeNames.isEmpty else {
            throw .invalidField("scopes", "at least one scope is required")
        }
        let scopes = try Scope.parseList(scopeNames, field: "scopes")
        if circle != nil, scopes.contains(.platformAdmin) {
            throw .invalidField("scopes", "platform:admin is only for platform keys")
        }
        if let grantor, let circle {
            guard scopes.isSubset(of: grantor.scopes(in: circle)) else {
                throw .forbidden("a key cannot grant scopes its creator does not hold")
            }
        }
        var subjects = PatternList.all
        if let list = try RequestParsing.strings(body, "subjects") {
            subjects = try PatternList(list, field: "subjects")
        }
        if let grantor, !grantor.subjectRestriction.covers(subjects) {
            throw .forbidden("a key cannot see subjects its creator cannot")
        }
        let face = try RequestParsing.string(body, "face") ?? Face.defaultName
        guard Face.isValidName(face) else { throw .invalidField("face", "is not a valid face name") }
        var expiry: Timestamp?
        if let seconds = try RequestParsing.int(body, "expires_in_seconds") {
            guard seconds > 0, seconds <= 10 * 365 * 86_400 else { throw .invalidField("expires_in_seconds", "must be between 1 and 315360000") }
            expiry = Timestamp(milliseconds: now.milliseconds + Int64(seconds) * 1000)
        }
        let name = try RequestParsing.string(body, "name")
        if let name, name.utf8.count > 128 { throw .invalidField("name", "at most 128 bytes") }
        var generator = SystemRandomNumberGenerator()
        let token = APIKeyToken.generate(using: &generator)
        let record = APIKeyRecord(
            id: token.id, circle: circle, name: name, scopes: scopes, subjects: subjects, face: face,
            secretDigest: token.secretDigest, createdAt: now, expiresAt: expiry)
        return (record, token)
    }

    /// Gives a live key a new secret; the old one stops working with the
    /// database write. Nil when the key is gone or revoked meanwhile.
    public static func rotate(_ record: APIKeyRecord, store: any EventStore) async throws -> (APIKeyRecord, APIKeyToken)? {
        var generator = SystemRandomNumberGenerator()
        let token = APIKeyToken(id: record.id, secret: "").rotated(using: &generator)
        var rotated = record
        rotated.secretDigest = token.secretDigest
        guard try await store.replaceKeySecret(id: record.id, digest: rotated.secretDigest) else { return nil }
        return (rotated, token)
    }

    /// A key as the API shows it; `key` (the whole key) only at creation and rotation.
    public static func describe(_ record: APIKeyRecord, key: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [("id", .string(record.id))]
        if let key { members.append(("key", .string(key))) }
        members += [
            ("circle", record.circle.map { .string($0.rawValue) } ?? .null),
            ("name", record.name.map(JSONValue.string) ?? .null),
            ("scopes", .array(record.scopes.sorted().map { .string($0.rawValue) })),
            ("subjects", .array(record.subjects.strings.map(JSONValue.string))),
            ("face", .string(record.face)),
            ("created_at", .string(record.createdAt.rfc3339)),
            ("expires_at", RequestParsing.timestampText(record.expiresAt)),
            ("revoked_at", RequestParsing.timestampText(record.revokedAt)),
            ("last_used_at", RequestParsing.timestampText(record.lastUsedAt)),
        ]
        return .object(members)
    }
}
