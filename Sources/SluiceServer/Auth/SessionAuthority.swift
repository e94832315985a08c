import Foundation
import SluiceCore
import SluiceCrypto

/// Verifies portal session JWTs against the configured issuers and maps
/// their claims to a principal: `circles` to scopes, optional `face`.
public struct SessionAuthority: Sendable {
    let verifiers: [String: JWTVerifier]

    public init(issuers: [SluiceConfiguration.Issuer]) {
        var verifiers: [String: JWTVerifier] = [:]
        for issuer in issuers {
            verifiers[issuer.issuer] = JWTVerifier(keys: issuer.keys, issuer: issuer.issuer, audience: issuer.audience)
        }
        self.verifiers = verifiers
    }

    public var isEnabled: Bool { !verifiers.isEmpty }

    /// The principal of a verified session token, or nil.
    public func authenticate(_ token: String, now: Date) -> Principal? {
        guard !verifiers.isEmpty, token.utf8.count <= 8192 else { return nil }
        // Pick the issuer from the (not yet verified) `iss`; the verifier then
        // checks the signature with that issuer's keys only, and `iss` again.
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]), let unverified = try? JSONValue.parse(payload),
            let iss = unverified["iss"]?.stringValue, let verifier = verifiers[iss]
        else { return nil }
        guard let claims = try? verifier.verify(token, now: now) else { return nil }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { return nil }
        var scopes: [CircleID: Set<Scope>] = [:]
        if let circles = claims["circles"]?.objectMembers {
            for (name, value) in circles {
                guard let circle = CircleID(name), let list = value.arrayValues else { continue }
                // Unknown scope names grant nothing; platform:admin never comes from a session.
                let granted = Set(list.compactMap { $0.stringValue.flatMap(Scope.init(rawValue:)) }).subtracting([.platformAdmin])
                scopes[circle] = granted
            }
        }
        var face = Face.defaultName
        if let requested = claims["face"]?.stringValue {
            guard Face.isValidName(requested) else { return nil }
            face = requested
        }
        let expiry = JWTVerifier.seconds(claims["exp"]).map { Date(timeIntervalSince1970: Double($0)) }
        return Principal(credential: .session(issuer: iss, subject: subject), circleScopes: scopes, face: face, expiresAt: expiry)
    }
}
