import Foundation
import SluiceCore
import SluiceCrypto
import SluiceStore

/// The JSON of share tokens: a mint request read into a `ShareRequest`, and
/// the shapes the share routes answer with.
public enum ShareMinting {
    static let fields: Set<String> = ["element", "purpose", "subjects", "ttl_seconds", "max_connections", "origins"]

    /// A mint request's body as typed values; 400 naming the field.
    static func request(_ body: JSONValue) throws(SluiceError) -> ShareRequest {
        try RequestParsing.rejectUnknown(body, allowed: fields)
        guard let element = try RequestParsing.string(body, "element") else { throw .invalidField("element", "is required") }
        guard let purpose = try RequestParsing.string(body, "purpose") else { throw .invalidField("purpose", "is required") }
        var request = ShareRequest(element: element, purpose: purpose)
        if let list = try RequestParsing.strings(body, "subjects") { request.subjects = try PatternList(list, field: "subjects") }
        request.ttlSeconds = try RequestParsing.int(body, "ttl_seconds")
        request.maxConnections = try RequestParsing.int(body, "max_connections")
        request.origins = try RequestParsing.strings(body, "origins") ?? []
        return request
    }

    public static func publicURL(_ record: ShareTokenRecord, token: String, baseURL: String) -> String {
        "\(baseURL)/api/public/events/\(record.circle.rawValue)?t=\(token)"
    }

    public static func embedURL(_ record: ShareTokenRecord, token: String, baseURL: String) -> String {
        "\(baseURL)/embed/\(record.circle.rawValue)?t=\(token)"
    }

    public static func minted(_ record: ShareTokenRecord, token: String, baseURL: String) -> JSONValue {
        .object([
            ("token", .string(token)),
            ("jti", .string(record.jti)),
            ("expires_at", .string(record.expiresAt.rfc3339)),
            ("url", .string(publicURL(record, token: token, baseURL: baseURL))),
            ("embed_url", .string(embedURL(record, token: token, baseURL: baseURL))),
        ])
    }

    public static func describe(_ record: ShareTokenRecord, connections: Int) -> JSONValue {
        .object([
            ("jti", .string(record.jti)),
            ("element", .string(record.element)),
            ("purpose", .string(record.purpose)),
            ("subjects", .array(record.subjects.strings.map(JSONValue.string))),
            ("origins", .array(record.origins.map(JSONValue.string))),
            ("max_connections", .number(String(record.maxConnections))),
            ("connections", .number(String(connections))),
            ("created_at", .string(record.createdAt.rfc3339)),
            ("expires_at", .string(record.expiresAt.rfc3339)),
        ])
    }
}
