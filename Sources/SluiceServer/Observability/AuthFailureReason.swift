import Foundation
import HTTPTypes
import Hummingbird
import SluiceCore
import SluiceCrypto

/// Why a request was refused with 401, for `sluice_auth_failures_total`.
/// Worked out after the refusal from what the request carried, so the
/// authenticators stay as they are (one bare 401 for the client, whatever
/// the reason) and the reason never reaches the client.
public enum AuthFailureReason: String, Sendable, CaseIterable {
    /// No credential in any place contract section 2 names.
    case missing
    /// Not the shape of any credential.
    case malformed
    /// A well-formed key id or token id the gateway does not know.
    case unknown
    case expired
    case revoked
    /// A known API key with the wrong secret.
    case badSecret = "bad_secret"
    /// A JWT (session or share token) whose signature or claims do not verify.
    case badSignature = "bad_signature"
    /// A share token of another circle than the path's.
    case wrongCircle = "wrong_circle"

    /// Routes whose credential is a share token in `t`.
    static let shareTokenRoutes: Set<String> = ["/api/public/events/{circle}", "/embed/{circle}"]

    /// Classifies a refused request. `route` is the matched route template.
    static func classify(_ request: Request, route: String, circle: String?, gateway: Gateway) async -> AuthFailureReason {
        let now = gateway.now()
        if shareTokenRoutes.contains(route) {
            let token = request.uri.queryParameters["t"].map(String.init)
            return await shareToken(token, circle: circle, now: now, gateway: gateway)
        }
        let headers = request.headers
        if let authorization = headers[.authorization] {
            guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else { return .malformed }
            let credential = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
            if credential.hasPrefix(APIKeyToken.prefix) { return await apiKey(credential, now: now, gateway: gateway) }
            return session(credential, now: now, gateway: gateway)
        }
        if let key = headers[Authenticator.apiKeyHeader] { return await apiKey(key, now: now, gateway: gateway) }
        if let cookie = Authenticator.cookie("sluice_session", in: headers) { return session(cookie, now: now, gateway: gateway) }
        return .missing
    }

    static func apiKey(_ text: String, now: Date, gateway: Gateway) async -> AuthFailureReason {
        guard let token = APIKeyToken(parsing: text) else { return .malformed }
        guard let record = try? await gateway.store.key(id: token.id) else { return .unknown }
        if record.revokedAt != nil { return .revoked }
        if let expiry = record.expiresAt, Double(expiry.milliseconds) <= now.timeIntervalSince1970 * 1000 { return .expired }
        return .badSecret
    }

    static func session(_ token: String, now: Date, gateway: Gateway) -> AuthFailureReason {
        guard let claims = unverifiedClaims(token) else { return .malformed }
        guard let issuer = claims["iss"]?.stringValue, gateway.configuration.issuers.contains(where: { $0.issuer == issuer }) else {
            return .unknown
        }
        if let exp = claims["exp"]?.intValue, Double(exp) <= now.timeIntervalSince1970 { return .expired }
        return .badSignature
    }

    static func shareToken(_ token: String?, circle: String?, now: Date, gateway: Gateway) async -> AuthFailureReason {
        guard let token, !token.isEmpty else { return .missing }
        guard let claims = unverifiedClaims(token), let jti = claims["jti"]?.stringValue else { return .malformed }
        if let claimed = claims["circle"]?.stringValue, claimed != circle { return .wrongCircle }
        guard let record = try? await gateway.store.shareToken(jti: jti) else { return .unknown }
        if record.circle.rawValue != circle { return .wrongCircle }
        if record.revokedAt != nil { return .revoked }
        let nowMS = Int64(now.timeIntervalSince1970 * 1000)
        if record.expiresAt.milliseconds <= nowMS { return .expired }
        if let exp = claims["exp"]?.intValue, Int64(exp) * 1000 <= nowMS { return .expired }
        return .badSignature
    }

    /// The claims of a JWT-shaped token, not verified: only to name the reason.
    static func unverifiedClaims(_ token: String) -> JSONValue? {
        guard token.utf8.count <= 8192 else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]), let claims = try? JSONValue.parse(payload),
            case .object = claims
        else { return nil }
        return claims
    }
}
