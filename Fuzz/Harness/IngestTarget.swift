import SluiceCore

/// Ingest validation: any body is a batch of valid events or a clear
/// `SluiceError`, within the limits, never a trap.
enum IngestTarget {
    static let limits: IngestLimits = {
        var limits = IngestLimits()
        limits.maximumRequestBytes = 64 * 1024
        limits.maximumEventBytes = 8 * 1024
        limits.maximumBatchCount = 50
        return limits
    }()

    static func run(_ bytes: UnsafeRawBufferPointer) {
        do {
            let events = try EventInput.parseBody(Array(bytes), limits: limits)
            require(!events.isEmpty && events.count <= limits.maximumBatchCount, "a batch outside the limits")
        } catch {
            require(!error.code.isEmpty && error.status >= 400 && error.status < 500, "an error that is not the client's: \(error)")
        }
    }
}
