import SluiceCore

/// One entry of the store's change feed: a change to credentials or circles,
/// written in the same transaction as the change itself, with an id that
/// only grows. Every gateway on the database follows the feed and applies
/// each entry to its caches, so a change made anywhere (the offline command,
/// another node) reaches every running gateway.
public struct Change: Sendable, Equatable {
    /// What changed. Open-ended: kinds a reader does not know are skipped.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let circleCreated = Kind(rawValue: "circle.created")
        public static let circleDeleted = Kind(rawValue: "circle.deleted")
        public static let keyCreated = Kind(rawValue: "key.created")
        public static let keyRevoked = Kind(rawValue: "key.revoked")
        public static let keyRotated = Kind(rawValue: "key.rotated")
        public static let shareCreated = Kind(rawValue: "share.created")
        public static let shareRevoked = Kind(rawValue: "share.revoked")
        /// A webhook subscription was created, changed or deleted (`subject` is its id).
        public static let webhookChanged = Kind(rawValue: "webhook.changed")
    }

    /// Increases with every change; readers keep the last one they applied.
    public let id: Int64
    public let kind: Kind
    /// The circle it happened in; nil for platform keys.
    public let circle: CircleID?
    /// The key id, share-token jti or webhook id it is about.
    public let subject: String?
    /// The circle's incarnation when it happened.
    public let incarnation: String?
    public let at: Timestamp

    public init(id: Int64, kind: Kind, circle: CircleID?, subject: String?, incarnation: String?, at: Timestamp) {
        self.id = id
        self.kind = kind
        self.circle = circle
        self.subject = subject
        self.incarnation = incarnation
        self.at = at
    }
}
