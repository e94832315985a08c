import CJWT
import Foundation
import SluiceCore

/// Verifies JWTs with libjwt, doing what libjwt 1.10 does not: it selects the
/// key by `kid`, pins the algorithm to that key (before and after decoding),
/// never calls libjwt without a key, and checks `exp`, `nbf`, `iss` and `aud`.
public struct JWTVerifier: Sendable {
    public let keys: [JWTKey]
    public let issuer: String?
    public let audience: String?
    /// Tokens longer than this are refused before any parsing.
    public let maximumLength: Int
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    public let leeway: Int64

    public init(keys: [JWTKey], issuer: String?, audience: String?, maximumLength: Int = 8192, leeway: Int64 = 0) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.maximumLength = maximumLength
        self.leeway = leeway
    }

    /// The verified claims of `token`, or the reason it is refused.
    public func verify(_ token: String, now: Date) throws(JWTError) -> JSONValue {
        guard token.utf8.count <= maximumLength else { throw JWTError("token too long") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty else { throw JWTError("not a signed compact JWT") }
        guard let headerBytes = Base64URL.decode(parts[0]), let header = try? JSONValue.parse(headerBytes) else {
            throw JWTError("unreadable header")
        }
        guard case .string(let algName)? = header["alg"], let alg = JWTAlgorithm(rawValue: algName) else {
            throw JWTError("algorithm not accepted")
        }
        let key = try selectKey(header["kid"])
        guard key.algorithm == alg else { throw JWTError("algorithm does not match the key") }
        guard Base64URL.decode(parts[1]) != nil, Base64URL.decode(parts[2]) != nil else { throw JWTError("bad encoding") }

        var handle: OpaquePointer?
        let status = key.material.withUnsafeBufferPointer { buffer in
            jwt_decode(&handle, token, buffer.baseAddress, Int32(buffer.count))
        }
        defer { if let handle { jwt_free(handle) } }
        guard status == 0, let jwt = handle else { throw JWTError("signature check failed") }
        guard jwt_get_alg(jwt) == key.algorithm.libjwt else { throw JWTError("algorithm changed while decoding") }

        guard let payloadBytes = Base64URL.decode(parts[1]), let claims = try? JSONValue.parse(payloadBytes),
            case .object = claims
        else { throw JWTError("unreadable claims") }
        try checkTimes(claims, now: now)
        try checkIssuerAndAudience(claims)
        return claims
    }

    private func selectKey(_ kid: JSONValue?) throws(JWTError) -> JWTKey {
        switch kid {
        case .string(let id)?:
            guard let key = keys.first(where: { $0.id == id }) else { throw JWTError("unknown kid") }
            return key
        case nil:
            guard keys.count == 1, let key = keys.first else { throw JWTError("kid required") }
            return key
        default:
            throw JWTError("kid must be a string")
        }
    }

    private func checkTimes(_ claims: JSONValue, now: Date) throws(JWTError) {
        let current = Int64(now.timeIntervalSince1970.rounded(.down))
        guard let exp = JWTVerifier.seconds(claims["exp"]) else { throw JWTError("exp required") }
        // Subtract rather than add: `exp` comes from the token and may be near Int64.max.
        guard current - leeway < exp else { throw JWTError("expired") }
        if let nbfValue = claims["nbf"] {
            guard let nbf = JWTVerifier.seconds(nbfValue) else { throw JWTError("nbf must be a number") }
            guard current + leeway >= nbf else { throw JWTError("not yet valid") }
        }
    }

    private func checkIssuerAndAudience(_ claims: JSONValue) throws(JWTError) {
        if let issuer {
            guard claims["iss"]?.stringValue == issuer else { throw JWTError("wrong issuer") }
        }
        if let audience {
            switch claims["aud"] {
            case .string(let aud)? where aud == audience: break
            case .array(let list)? where list.contains(.string(audience)): break
            default: throw JWTError("wrong audience")
            }
        }
    }

    /// A NumericDate claim as whole seconds.
    public static func seconds(_ value: JSONValue?) -> Int64? {
        guard case .number(let text)? = value else { return nil }
        if let int = Int64(text) { return int }
        guard let double = Double(text), double.isFinite, abs(double) < 1e15 else { return nil }
        return Int64(double.rounded(.down))
    }
}
