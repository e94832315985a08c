import Foundation
import SluiceCrypto

/// JWT decoding and verification: any text is a verified claim set or a
/// `JWTError`, never a trap. Tokens signed with the key must verify.
enum JWTTarget {
    static let key = try? JWTKey(id: "k1", algorithm: .hs256, material: Array("a fuzzing secret of enough length!".utf8))
    static let verifier = key.map { JWTVerifier(keys: [$0], issuer: nil, audience: nil) }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let verifier else { return }
        let token = String(decoding: bytes, as: UTF8.self)
        _ = try? verifier.verify(token, now: Date(timeIntervalSince1970: 1_800_000_000))
        _ = Base64URL.decode(token)
    }
}
