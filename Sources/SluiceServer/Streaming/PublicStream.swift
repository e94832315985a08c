import Foundation
import HTTPTypes
import Hummingbird
import SluiceCore
import SluiceCrypto
import SluiceHub
import SluiceStore

/// What a public stream is, shared by its route and its event-loop fast path.
enum PublicStream {
    /// The stream a share token opens: its face, its subjects intersected
    /// with `subjects` if given, opaque ids, its expiry and connection limit.
    static func spec(record: ShareTokenRecord, query: Parameters, ids: OpaqueEventID) throws(SluiceError) -> StreamSpec {
        let subjects = try StreamQuery.subjects(query, default: record.subjects)
        let naming = try StreamQuery.naming(query)
        return StreamSpec(
            circle: record.circle, credential: .shareToken(jti: record.jti), face: record.purpose, subjects: subjects,
            restriction: record.subjects, naming: naming, ids: ids, opaqueIDs: true,
            expiresAt: Date(timeIntervalSince1970: Double(record.expiresAt.milliseconds) / 1000),
            maximumConnections: record.maxConnections)
    }

    /// CORS headers for a token: its origins only; none listed, any origin
    /// without credentials. A request from another origin is refused.
    static func corsHeaders(origin: String?, record: ShareTokenRecord) throws(SluiceError) -> HTTPFields {
        var headers: HTTPFields = [:]
        if record.origins.isEmpty {
            headers[.accessControlAllowOrigin] = "*"
            return headers
        }
        headers[.vary] = "Origin"
        guard let origin else { return headers }
        guard record.origins.contains(origin) else { throw .forbidden("this origin may not use this token") }
        headers[.accessControlAllowOrigin] = origin
        return headers
    }

    /// The response head of every stream (contract section 4).
    static func headers(extra: HTTPFields) -> HTTPFields {
        var headers = extra
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        // A stream's connection is never reused: it closes with the stream.
        headers[.connection] = "close"
        return headers
    }
}
