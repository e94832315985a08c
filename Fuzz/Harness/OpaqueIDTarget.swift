import SluiceCore
import SluiceCrypto

/// The opaque event id decoder: any text decodes to nothing or to a
/// sequence, never traps; an encoded sequence decodes back to itself, and
/// never in another circle.
enum OpaqueIDTarget {
    static let codec = OpaqueEventID(secret: Array("fuzz".utf8))
    static let acme = CircleID("acme")!
    static let beta = CircleID("beta")!

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let sequence = codec.decode(text, circle: acme) {
            require(codec.decode(codec.encode(sequence: sequence, circle: acme), circle: acme) == sequence, "no round trip")
        }
        guard bytes.count >= 8 else { return }
        var raw: UInt64 = 0
        for byte in bytes.prefix(8) { raw = raw << 8 | UInt64(byte) }
        let sequence = Int64(bitPattern: raw)
        let id = codec.encode(sequence: sequence, circle: acme)
        require(codec.decode(id, circle: acme) == sequence, "an encoded id does not decode")
        require(codec.decode(id, circle: beta) == nil, "an id decodes in another circle")
    }
}
