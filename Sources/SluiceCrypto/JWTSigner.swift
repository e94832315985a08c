import CJWT
import SluiceCore

/// Mints JWTs with libjwt. The key's algorithm is the one used; `kid` is set
/// when the key has an id. Every C allocation is freed before return.
public enum JWTSigner {
    public static func mint(claims: JSONValue, key: JWTKey) throws(JWTError) -> String {
        guard case .object = claims else { throw JWTError("claims must be an object") }
        var handle: OpaquePointer?
        guard jwt_new(&handle) == 0, let jwt = handle else { throw JWTError("jwt_new failed") }
        defer { jwt_free(jwt) }
        let status = key.material.withUnsafeBufferPointer { buffer in
            jwt_set_alg(jwt, key.algorithm.libjwt, buffer.baseAddress, Int32(buffer.count))
        }
        guard status == 0 else { throw JWTError("jwt_set_alg failed") }
        if let kid = key.id, jwt_add_header(jwt, "kid", kid) != 0 { throw JWTError("jwt_add_header failed") }
        guard jwt_add_grants_json(jwt, claims.jsonText) == 0 else { throw JWTError("jwt_add_grants_json failed") }
        guard let encoded = jwt_encode_str(jwt) else { throw JWTError("signing failed") }
        defer { free(encoded) }
        return String(cString: encoded)
    }
}
