import SluiceCore

extension Gateway {
    /// The operations on this gateway's store; each one catches the change
    /// feed up after writing, so its effect holds before it answers.
    public var administration: Administration {
        let changes = self.changes
        let logger = self.logger
        let now = self.now
        return Administration(
            store: store, policies: policies, configuration: configuration, shareAuthority: shares,
            now: { Timestamp(milliseconds: Int64(now().timeIntervalSince1970 * 1000)) },
            applyChanges: {
                do { try await changes.catchUp() } catch {
                    // The follower retries within its interval.
                    logger.error("change feed read failed", metadata: ["error": "\(type(of: error))"])
                }
            })
    }
}
