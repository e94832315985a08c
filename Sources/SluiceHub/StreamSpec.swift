import Foundation
import SluiceCore

/// Everything that decides what one stream delivers, fixed when it opens.
public struct StreamSpec: Sendable {
    /// How events are named on the wire.
    public enum Naming: Sendable, Hashable {
        /// `event:` is the subject.
        case subject
        /// No `event:` line, so `onmessage` sees every event (`events=message`).
        case message
        /// No SSE framing: each envelope as one JSON line (WebSocket messages).
        case lines
    }

    public let circle: CircleID
    public let credential: Principal.Credential
    public let face: String
    /// The subjects asked for (the `subjects` parameter).
    public let subjects: PatternList
    /// The principal's own limit (key restriction or share token subjects).
    public let restriction: PatternList
    public let naming: Naming
    /// Sequence numbers or opaque ids.
    public let ids: any EventIDCodec
    /// Whether ids are opaque (public streams), for the render cache key.
    public let opaqueIDs: Bool
    /// For run streams: only this run, and close after its terminal event.
    public let run: String?
    public let expiresAt: Date?
    /// At most this many open streams for the credential (share tokens).
    public let maximumConnections: Int?

    public init(
        circle: CircleID, credential: Principal.Credential, face: String, subjects: PatternList, restriction: PatternList,
        naming: Naming = .subject, ids: any EventIDCodec = SequenceEventIDs(), opaqueIDs: Bool = false, run: String? = nil,
        expiresAt: Date? = nil, maximumConnections: Int? = nil
    ) {
        self.circle = circle
        self.credential = credential
        self.face = face
        self.subjects = subjects
        self.restriction = restriction
        self.naming = naming
        self.ids = ids
        self.opaqueIDs = opaqueIDs
        self.run = run
        self.expiresAt = expiresAt
        self.maximumConnections = maximumConnections
    }

    /// Whether an event is for this stream before any face is applied.
    func wants(_ event: StoredEvent) -> Bool {
        if let run, event.input.runID != run { return false }
        return subjects.matches(event.subject) && restriction.matches(event.subject)
    }

    /// Whether this event ends a run stream.
    func ends(with event: StoredEvent) -> Bool {
        guard let run else { return false }
        return event.input.invocationID == run && Lifecycle.terminalKinds.contains(event.input.kind)
    }

    /// The patterns under which the stream is indexed in the hub; `wants`
    /// checks the restriction on delivery.
    var indexPatterns: [SubjectPattern] { subjects.patterns }
}
