import CJWT

/// The signing algorithms Sluice accepts. `none` and every other algorithm
/// are refused by construction.
public enum JWTAlgorithm: String, Sendable, Hashable, CaseIterable {
    case hs256 = "HS256"
    case rs256 = "RS256"
    case es256 = "ES256"

    var libjwt: jwt_alg_t {
        switch self {
        case .hs256: return JWT_ALG_HS256
        case .rs256: return JWT_ALG_RS256
        case .es256: return JWT_ALG_ES256
        }
    }
}

/// One key and the single algorithm it may be used with: an HMAC secret for
/// HS256, a PEM (public to verify, private to sign) for RS256 and ES256.
/// Pinning the algorithm to the key is what stops a token signed with HS256
/// over a public key's PEM from passing.
public struct JWTKey: Sendable {
    public let id: String?
    public let algorithm: JWTAlgorithm
    let material: [UInt8]

    public init(id: String?, algorithm: JWTAlgorithm, material: [UInt8]) throws(JWTError) {
        guard !material.isEmpty else { throw JWTError("empty key") }
        if algorithm == .hs256 {
            guard material.count >= 32 else { throw JWTError("an HS256 secret needs at least 32 bytes") }
        } else {
            guard String(decoding: material, as: UTF8.self).contains("-----BEGIN ") else {
                throw JWTError("\(algorithm.rawValue) needs a PEM key")
            }
        }
        self.id = id
        self.algorithm = algorithm
        self.material = material
    }
}

/// Why a token was refused. The reason is for logs and tests, never for a
/// client: clients only learn 401.
public struct JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
