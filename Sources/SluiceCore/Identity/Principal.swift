import Foundation

/// Who is calling, once authenticated: what credential, which scopes in which
/// circles, the subjects it may see and the face it reads through.
public struct Principal: Sendable {
    /// The credential behind the principal; streams are indexed by it so that
    /// revoking it closes them.
    public enum Credential: Sendable, Hashable, CustomStringConvertible {
        case apiKey(id: String)
        case session(issuer: String, subject: String)
        case shareToken(jti: String)

        public var description: String {
            switch self {
            case .apiKey(let id): return "key \(id)"
            case .session(_, let subject): return "session \(subject)"
            case .shareToken(let jti): return "share token \(jti)"
            }
        }
    }

    public let credential: Credential
    /// For a platform key: scopes that hold in every circle. Empty otherwise.
    public let platformScopes: Set<Scope>
    /// Scopes per circle for circle keys, sessions and share tokens.
    public let circleScopes: [CircleID: Set<Scope>]
    /// Subjects this principal may ever see or publish (default `>`).
    public let subjectRestriction: PatternList
    /// The face streams of this principal read through.
    public let face: String
    /// When the credential stops being valid, if it does.
    public let expiresAt: Date?

    public init(
        credential: Credential, platformScopes: Set<Scope> = [], circleScopes: [CircleID: Set<Scope>] = [:],
        subjectRestriction: PatternList = .all, face: String = Face.defaultName, expiresAt: Date? = nil
    ) {
        self.credential = credential
        self.platformScopes = platformScopes
        self.circleScopes = circleScopes
        self.subjectRestriction = subjectRestriction
        self.face = face
        self.expiresAt = expiresAt
    }

    /// Whether this is a platform key (it belongs to no circle).
    public var isPlatform: Bool { !platformScopes.isEmpty }

    /// The scopes this principal holds in `circle`. `platform:admin` implies every scope.
    public func scopes(in circle: CircleID) -> Set<Scope> {
        if platformScopes.contains(.platformAdmin) { return Set(Scope.allCases) }
        return platformScopes.union(circleScopes[circle] ?? [])
    }

    /// Throws 403 unless the principal holds `scope` in `circle`.
    public func require(_ scope: Scope, in circle: CircleID) throws(SluiceError) {
        guard scopes(in: circle).contains(scope) else { throw .forbidden() }
    }

    /// Throws 403 unless this is a platform key with `platform:admin`.
    public func requirePlatformAdmin() throws(SluiceError) {
        guard platformScopes.contains(.platformAdmin) else { throw .forbidden() }
    }
}
