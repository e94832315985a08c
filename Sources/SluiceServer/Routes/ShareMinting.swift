import Foundation
import SluiceCore
import SluiceCrypto
import SluiceStore

/// Validation of a mint request and the shapes the share routes answer with.
public enum ShareMinting {
    static let fields: Set<String> = ["element", "purpose", "subjects", "ttl_seconds", "max_connections", "origins"]

    public static func record(
        body: JSONValue, circle: CircleID, policies: PolicySet, configuration: SluiceConfiguration, now: Timestamp
    ) throws(SluiceError) -> ShareTokenRecord {
        try RequestParsing.rejectUnknown(body, allowed: fields)
        guard let element = try RequestParsing.string(body, "element") else { throw .invalidField("element", "is required") }
        guard Subject(element)?.tokens.count == 1 else { throw .invalidField("element", "must be one subject token of [A-Za-z0-9_-]") }
        guard let purpose = try RequestParsing.string(body, "purpose") else { throw .invalidField("purpose", "is required") }
        guard Face.isValidName(purpose), policies.face(purpose, for: circle) != nil else {
            throw .invalidField("purpose", "must name a face defined for this circle")
        }
        let scope = PatternList(uncheckedPatterns: [SubjectPattern("\(element).>")!])
        var subjects = scope
        if let list = try RequestParsing.strings(body, "subjects") {
            subjects = try PatternList(list, field: "subjects")
            guard scope.covers(subjects) else { throw .invalidField("subjects", "must stay within \(element).>") }
        }
        let ttl = try RequestParsing.int(body, "ttl_seconds") ?? configuration.shareDefaultTTLSeconds
        guard ttl > 0, ttl <= configuration.shareMaxTTLSeconds else {
            throw .invalidField("ttl_seconds", "must be between 1 and \(configuration.shareMaxTTLSeconds)")
        }
        let maxConnections = try RequestParsing.int(body, "max_connections") ?? configuration.shareDefaultMaxConnections
        guard (1...100_000).contains(maxConnections) else { throw .invalidField("max_connections", "must be between 1 and 100000") }
        let origins = try RequestParsing.strings(body, "origins") ?? []
        guard origins.count <= 32 else { throw .invalidField("origins", "at most 32 origins") }
        for origin in origins where !isOrigin(origin) {
            throw .invalidField("origins", "'\(String(origin.prefix(80)))' is not an origin such as https://example.com")
        }
        return ShareTokenRecord(
            jti: SecretDigest.hex(SecretDigest.randomBytes(16)), circle: circle, element: element, purpose: purpose,
            subjects: subjects, origins: origins, maxConnections: maxConnections, createdAt: now,
            expiresAt: Timestamp(milliseconds: now.milliseconds + Int64(ttl) * 1000))
    }

    /// `scheme://host[:port]`, http or https, nothing after.
    static func isOrigin(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host,
            !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { return false }
        return text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    public static func publicURL(_ record: ShareTokenRecord, token: String, baseURL: String) -> String {
        "\(baseURL)/api/public/events/\(record.circle.rawValue)?t=\(token)"
    }

    public static func embedURL(_ record: ShareTokenRecord, token: String, baseURL: String) -> String {
        "\(baseURL)/embed/\(record.circle.rawValue)?t=\(token)"
    }

    static func minted(_ record: ShareTokenRecord, token: String, baseURL: String) -> JSONValue {
        .object([
            ("token", .string(token)),
            ("jti", .string(record.jti)),
            ("expires_at", .string(record.expiresAt.rfc3339)),
            ("url", .string(publicURL(record, token: token, baseURL: baseURL))),
            ("embed_url", .string(embedURL(record, token: token, baseURL: baseURL))),
        ])
    }

    static func describe(_ record: ShareTokenRecord, connections: Int) -> JSONValue {
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
