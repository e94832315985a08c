import Foundation
import SluiceCore
import Testing

/// The one least-privilege rule (contract section 2), every combination of
/// scopes, subjects, face and lifetime, for create, revoke and rotate.
@Suite struct GrantTests {
    static func face(_ name: String, _ subjects: [String], _ fields: [String]) throws -> Face {
        Face(name: name, subjects: try PatternList(subjects, field: "subjects"), fields: try FieldSelector(fields))
    }

    static func patterns(_ list: [String]) throws -> PatternList { try PatternList(list, field: "subjects") }

    enum FaceCase: CaseIterable {
        case same, contained, wider, undefined
        var target: String {
            switch self {
            case .same: return "wide-widget"
            case .contained: return "widget"
            case .wider: return "member"
            case .undefined: return "ghost"
            }
        }
        var allowed: Bool { self == .same || self == .contained }
    }

    enum LifetimeCase: CaseIterable {
        case neitherExpires, creatorExpiresTargetNever, targetWithin, targetOutlives
        var actor: Timestamp? { self == .neitherExpires ? nil : Timestamp(milliseconds: 60_000) }
        var target: Timestamp? {
            switch self {
            case .neitherExpires, .creatorExpiresTargetNever: return nil
            case .targetWithin: return Timestamp(milliseconds: 30_000)
            case .targetOutlives: return Timestamp(milliseconds: 120_000)
            }
        }
        var allowed: Bool { self == .neitherExpires || self == .targetWithin }
    }

    @Test func everyCombination() throws {
        let faces: [String: Face] = [
            "member": try GrantTests.face("member", [">"], ["**"]),
            "wide-widget": try GrantTests.face("wide-widget", ["sales-board.>"], ["payload.output", "actor.type"]),
            "widget": try GrantTests.face("widget", ["sales-board.*.completed"], ["payload.output.total"]),
        ]
        var checked = 0
        for action in Grant.Action.allCases {
            for scopesWithin in [true, false] {
                for subjectsWithin in [true, false] {
                    for faceCase in FaceCase.allCases {
                        for lifetime in LifetimeCase.allCases {
                            let actor = Grant(
                                scopes: [.eventsRead, .keysManage], subjects: try GrantTests.patterns(["sales-board.>"]), face: "wide-widget",
                                expiresAt: lifetime.actor)
                            let target = Grant(
                                scopes: scopesWithin ? [.eventsRead] : [.eventsRead, .eventsPublish],
                                subjects: try GrantTests.patterns(subjectsWithin ? ["sales-board.b1.>"] : ["payroll.>"]),
                                face: faceCase.target, expiresAt: lifetime.target)
                            let expected =
                                scopesWithin && subjectsWithin && faceCase.allowed && (action == .revoke || lifetime.allowed)
                            var allowed = true
                            do { try actor.authorize(action, target, faces: { faces[$0] }) } catch {
                                allowed = false
                                #expect(error.status == 403)
                            }
                            #expect(
                                allowed == expected,
                                "\(action) scopes:\(scopesWithin) subjects:\(subjectsWithin) face:\(faceCase) lifetime:\(lifetime)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == 3 * 2 * 2 * 4 * 4)
    }

    @Test func platformKeysHoldEverything() throws {
        let platform = Principal(credential: .apiKey(id: "p"), platformScopes: [.platformAdmin])
        let circle = try #require(CircleID("acme"))
        let target = Grant(scopes: Set(Scope.allCases), subjects: .all, face: "ghost", expiresAt: nil)
        try Grant(platform, in: circle).authorize(.create, target, faces: { _ in nil })
        // A circle key's grant holds only its own scopes, and never a platform key.
        let key = Principal(credential: .apiKey(id: "k"), circleScopes: [circle: [.keysManage]])
        #expect(throws: SluiceError.self) { try Grant(key, in: circle).authorize(.revoke, Grant.everything, faces: { _ in nil }) }
    }

    @Test func anExpiringPrincipalsGrantCarriesItsExpiry() throws {
        let circle = try #require(CircleID("acme"))
        let expiry = Date(timeIntervalSince1970: 1_800_000_000.123)
        let session = Principal(
            credential: .session(issuer: "i", subject: "u"), circleScopes: [circle: [.keysManage]], expiresAt: expiry)
        #expect(Grant(session, in: circle).expiresAt == Timestamp(milliseconds: 1_800_000_000_123))
        #expect(Grant(session, in: circle).scopes == [.keysManage])
    }
}
