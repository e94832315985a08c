import SluiceCore

/// The body of a webhook delivery: the envelope through the subscription's
/// face, the same bytes a stream with sequence ids writes on its `data:`
/// line (the hub's frame renderer and this share one path).
public enum WebhookBody {
    /// Nil when the face is not defined for the circle or does not allow the
    /// event (default-deny).
    public static func render(_ event: StoredEvent, face: String, policies: PolicySet) -> [UInt8]? {
        FrameRenderer.envelopeData(event, face: face, policies: policies)
    }
}

extension FrameRenderer {
    /// The JSON of `event` through the face `name`, as a `data:` line holds
    /// it when ids are sequence numbers.
    static func envelopeData(_ event: StoredEvent, face name: String, policies: PolicySet) -> [UInt8]? {
        guard let face = policies.face(name, for: event.circle), let view = face.render(event) else { return nil }
        var data: [UInt8] = []
        data.reserveCapacity(256)
        view.write(to: &data)
        return data
    }
}
