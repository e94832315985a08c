import Foundation
import HTTPTypes
import Hummingbird
import SluiceCore

/// Finds the principal of an authenticated request, from the places contract
/// section 2 names and no others: `Authorization: Bearer` (API key or session
/// JWT), `X-Api-Key` (API key), the `sluice_session` cookie (session JWT).
/// Never from the query string.
public struct Authenticator: Sendable {
    public let keys: KeyRing
    public let sessions: SessionAuthority
    let now: @Sendable () -> Date

    public init(keys: KeyRing, sessions: SessionAuthority, now: @escaping @Sendable () -> Date) {
        self.keys = keys
        self.sessions = sessions
        self.now = now
    }

    static let apiKeyHeader = HTTPField.Name("X-Api-Key")!

    /// The principal, or 401.
    public func authenticate(_ request: Request) throws(SluiceError) -> Principal {
        try authenticate(headers: request.headers)
    }

    /// The principal from request headers alone.
    public func authenticate(headers: HTTPFields) throws(SluiceError) -> Principal {
        try authenticateWithSource(headers: headers).principal
    }

    /// Where a credential came from: the session cookie is sent by browsers
    /// from any site, so some routes accept it only from listed origins.
    public enum Source: Sendable, Equatable {
        case header
        case sessionCookie
    }

    /// The principal and where its credential was found (also used before a WebSocket upgrade).
    public func authenticateWithSource(headers: HTTPFields) throws(SluiceError) -> (principal: Principal, source: Source) {
        let date = now()
        let stamp = Timestamp(milliseconds: Int64(date.timeIntervalSince1970 * 1000))
        if let authorization = headers[.authorization] {
            guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else { throw .unauthorized() }
            let credential = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
            if credential.hasPrefix(APIKeyToken.prefix) {
                guard let principal = keys.authenticate(credential, now: stamp) else { throw .unauthorized() }
                return (principal, .header)
            }
            guard let principal = sessions.authenticate(credential, now: date) else { throw .unauthorized() }
            return (principal, .header)
        }
        if let key = headers[Authenticator.apiKeyHeader] {
            guard let principal = keys.authenticate(key, now: stamp) else { throw .unauthorized() }
            return (principal, .header)
        }
        if let cookie = Authenticator.cookie("sluice_session", in: headers) {
            guard let principal = sessions.authenticate(cookie, now: date) else { throw .unauthorized() }
            return (principal, .sessionCookie)
        }
        throw .unauthorized()
    }

    static func cookie(_ name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix("\(name)=") { return String(pair.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }
}
