import SluiceCore

/// Least privilege for webhooks (contract section 2): what a subscription
/// delivers never exceeds what its creator may read. Its subjects must stay
/// within the creator's subject restriction, and its face must be the
/// creator's own face, unless the creator is a platform admin (which reads
/// every face). The offline CLI (no principal) is the operator and may do
/// anything. One function, so it can later defer to the shared rule for
/// keys and share tokens.
public enum WebhookGrant {
    public static func check(grantor: Principal?, circle: CircleID, subjects: PatternList, face: String) throws(SluiceError) {
        guard let grantor else { return }
        try grantor.require(.webhooksManage, in: circle)
        guard grantor.subjectRestriction.covers(subjects) else {
            throw .forbidden("a webhook cannot receive subjects its creator cannot see")
        }
        if grantor.platformScopes.contains(.platformAdmin) { return }
        guard face == grantor.face else { throw .forbidden("a webhook cannot read through another face than its creator's") }
    }
}
