import Foundation

/// What a credential holds in one circle: scopes, subjects, face and
/// lifetime. It carries the one rule of least privilege (contract section 2):
/// what a credential creates never exceeds it, and what it revokes or rotates
/// holds nothing it lacks. Every route and the offline command ask this rule.
public struct Grant: Sendable, Equatable {
    public var scopes: Set<Scope>
    public var subjects: PatternList
    /// The face it reads through; nil for a platform key, which holds every face.
    public var face: String?
    /// When it stops working; nil for never.
    public var expiresAt: Timestamp?

    public init(scopes: Set<Scope>, subjects: PatternList, face: String?, expiresAt: Timestamp?) {
        self.scopes = scopes
        self.subjects = subjects
        self.face = face
        self.expiresAt = expiresAt
    }

    /// A platform key's grant, and the operator's at the console of the
    /// database: everything.
    public static let everything = Grant(scopes: Set(Scope.allCases), subjects: .all, face: nil, expiresAt: nil)

    /// What `principal` holds in `circle`.
    public init(_ principal: Principal, in circle: CircleID) {
        if principal.platformScopes.contains(.platformAdmin) {
            self = .everything
            return
        }
        self.init(
            scopes: principal.scopes(in: circle), subjects: principal.subjectRestriction, face: principal.face,
            expiresAt: principal.expiresAt.map { Timestamp(milliseconds: Int64(min(max($0.timeIntervalSince1970 * 1000, -9e15), 9e15).rounded())) })
    }

    /// What a credential does with another one.
    public enum Action: Sendable, CaseIterable {
        /// Makes it (a key, a share token, a webhook): nothing it lacks, and a
        /// lifetime within its own.
        case create
        /// Ends it: it must hold nothing the actor lacks; lifetime does not matter.
        case revoke
        /// Gives it a new secret, which the actor then holds: as for `create`.
        case rotate
    }

    /// Throws 403 unless this grant may do `action` to a credential holding
    /// `target`. `faces` finds a face defined for the circle; a face that
    /// cannot be compared (not defined) is refused.
    public func authorize(_ action: Action, _ target: Grant, faces: (String) -> Face?) throws(SluiceError) {
        guard target.scopes.isSubset(of: scopes) else {
            throw .forbidden("the credential does not hold every scope of the target")
        }
        guard subjects.covers(target.subjects) else {
            throw .forbidden("the target's subjects are not within the credential's subjects")
        }
        guard covers(face: target.face, faces: faces) else {
            throw .forbidden("the target's face is not contained in the credential's face")
        }
        if action != .revoke, let limit = expiresAt {
            guard let end = target.expiresAt, end <= limit else {
                throw .forbidden("the target would outlive the credential (it expires at \(limit.rfc3339))")
            }
        }
    }

    /// Whether this grant's face contains `other`: the same name, or both
    /// defined and this one's subjects and fields cover the other's.
    func covers(face other: String?, faces: (String) -> Face?) -> Bool {
        guard let own = face else { return true }
        guard let other else { return false }
        if own == other { return true }
        guard let mine = faces(own), let theirs = faces(other) else { return false }
        return mine.contains(theirs)
    }
}
