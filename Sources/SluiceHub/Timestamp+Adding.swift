import SluiceCore

extension Timestamp {
    /// This time plus `milliseconds`, saturating (leases and slots end at
    /// "now plus a lifetime", which must never trap).
    public func adding(_ milliseconds: Int64) -> Timestamp {
        let (sum, overflow) = self.milliseconds.addingReportingOverflow(milliseconds)
        return Timestamp(milliseconds: overflow ? (milliseconds < 0 ? Int64.min : Int64.max) : sum)
    }
}
