/// The public-stream request recognizer in front of NIO's decoder: never
/// traps, and whatever it accepts has the shape it promises (a GET under the
/// public prefix, a head ending the input). The differential check against
/// NIO's `HTTPRequestDecoder` is a unit test (PublicStreamRequestTests),
/// which links NIO; this binary stays free of it.
enum RecognizerTarget {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let outcome = PublicStreamRequest.recognize(bytes)
        var scanned = PublicStreamRequest.HeadScan.incomplete
        if !bytes.isEmpty {
            // Scanning in two steps finds what one scan finds.
            let split = Int(bytes[0]) % bytes.count
            let early = PublicStreamRequest.scanHead(UnsafeRawBufferPointer(rebasing: bytes[..<split]), from: 0)
            scanned = early == .incomplete ? PublicStreamRequest.scanHead(bytes, from: split) : early
            require(scanned == PublicStreamRequest.scanHead(bytes, from: 0), "a split scan differs")
        }
        guard case .request(let request) = outcome else { return }
        require(request.target.hasPrefix(PublicStreamRequest.targetPrefix), "accepted a target outside the prefix")
        require(scanned == .complete, "accepted an incomplete head")
        require(Array(bytes.prefix(4)) == Array("GET ".utf8), "accepted another method")
        require(Array(bytes.suffix(4)) == [13, 10, 13, 10], "accepted bytes after the head")
    }
}
