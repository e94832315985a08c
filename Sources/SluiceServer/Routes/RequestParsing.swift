import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore

/// Small shared steps of every route: reading a JSON body within a limit,
/// reading a circle from the path, answering with JSON.
enum RequestParsing {
    /// The body as a JSON object, at most `limit` bytes.
    static func jsonObject(_ request: inout Request, limit: Int = 64 * 1024) async throws -> JSONValue {
        let body = try await request.collectBody(upTo: limit)
        guard body.readableBytes > 0 else { throw SluiceError.invalidField("body", "a JSON object is required") }
        let value: JSONValue
        do { value = try JSONValue.parse(body.readableBytesView) } catch {
            throw SluiceError.invalidJSON("the body is not valid JSON (\(error.reason) at byte \(error.offset))")
        }
        guard case .object = value else { throw SluiceError.invalidField("body", "must be a JSON object") }
        return value
    }

    /// The `{circle}` path parameter. An invalid id answers like an unknown one.
    static func circle(_ context: SluiceRequestContext, _ name: String = "circle") throws(SluiceError) -> CircleID {
        guard let text = context.parameters.get(name), let circle = CircleID(text) else { throw .notFound("no such circle") }
        return circle
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonText)))
    }

    static func noContent() -> Response { Response(status: .noContent) }

    /// Optional string member; 400 naming the field when of another type.
    static func string(_ body: JSONValue, _ field: String) throws(SluiceError) -> String? {
        guard let value = body[field], value != .null else { return nil }
        guard case .string(let s) = value else { throw .invalidField(field, "must be a string, not \(value.typeName)") }
        return s
    }

    static func strings(_ body: JSONValue, _ field: String) throws(SluiceError) -> [String]? {
        guard let value = body[field], value != .null else { return nil }
        guard case .array(let items) = value else { throw .invalidField(field, "must be an array of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw .invalidField(field, "must be an array of strings") }
            out.append(s)
        }
        return out
    }

    static func int(_ body: JSONValue, _ field: String) throws(SluiceError) -> Int? {
        guard let value = body[field], value != .null else { return nil }
        guard let i = value.intValue else { throw .invalidField(field, "must be an integer") }
        return i
    }

    static func rejectUnknown(_ body: JSONValue, allowed: Set<String>) throws(SluiceError) {
        for (key, _) in body.objectMembers ?? [] where !allowed.contains(key) {
            throw .invalidField(String(key.prefix(64)), "unknown field")
        }
    }

    static func timestampText(_ stamp: Timestamp?) -> JSONValue {
        stamp.map { .string($0.rfc3339) } ?? .null
    }
}
