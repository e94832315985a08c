/// A permission a principal holds in a circle (contract section 2). Unknown
/// scope names are refused when parsed: default-deny.
public enum Scope: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    case eventsRead = "events:read"
    case eventsPublish = "events:publish"
    case shareManage = "share:manage"
    case keysManage = "keys:manage"
    case webhooksManage = "webhooks:manage"
    case platformAdmin = "platform:admin"

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a list of scope names; throws naming `field` on the first unknown one.
    public static func parseList(_ names: [String], field: String) throws(SluiceError) -> Set<Scope> {
        var scopes = Set<Scope>()
        for name in names {
            guard let scope = Scope(rawValue: name) else {
                throw .invalidField(field, "unknown scope '\(String(name.prefix(40)))'")
            }
            scopes.insert(scope)
        }
        return scopes
    }
}
