import SluiceCore

/// Turns a stored event into the bytes of one SSE frame for a face, a naming
/// mode and an id style. The hub keeps one renderer per event so that every
/// subscriber reading through the same face shares the same bytes.
struct FrameRenderer {
    struct Key: Hashable {
        let face: String
        let naming: StreamSpec.Naming
        let opaque: Bool
    }

    let event: StoredEvent
    let policies: PolicySet
    /// Renderings by render slot; a handful of slots at most per event.
    private var cache: [(slot: Int, bytes: [UInt8]?)] = []

    init(event: StoredEvent, policies: PolicySet) {
        self.event = event
        self.policies = policies
    }

    /// The frame for `subscription`, or nil when its face does not allow the event.
    mutating func frame(for subscription: Subscription) -> [UInt8]? {
        let slot = subscription.renderSlot
        for entry in cache where entry.slot == slot { return entry.bytes }
        let bytes = FrameRenderer.render(event, spec: subscription.spec, policies: policies)
        cache.append((slot, bytes))
        return bytes
    }

    static func render(_ event: StoredEvent, spec: StreamSpec, policies: PolicySet) -> [UInt8]? {
        guard let face = policies.face(spec.face, for: event.circle), var view = face.render(event) else { return nil }
        let id = spec.ids.encode(sequence: event.sequence, circle: event.circle)
        if spec.opaqueIDs, case .object(var members) = view {
            for i in members.indices where members[i].0 == "id" { members[i].1 = .string(id) }
            view = .object(members)
        }
        var data: [UInt8] = []
        data.reserveCapacity(256)
        view.write(to: &data)
        switch spec.naming {
        case .subject: return SSEFrame.event(id: id, name: event.subject.rawValue, data: data)
        case .message: return SSEFrame.event(id: id, name: nil, data: data)
        case .lines:
            data.append(0x0A)
            return data
        }
    }
}
