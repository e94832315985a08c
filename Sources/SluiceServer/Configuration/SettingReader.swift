import Foundation
import SluiceCore
import SluiceCrypto

/// Typed reads of YAML or environment values that name the setting when
/// they fail.
struct SettingReader {
    let source: String

    /// The longest time a setting may name: about 31 years.
    static let maximumSeconds: Double = 1_000_000_000

    func fail(_ name: String, _ reason: String) -> SluiceError {
        .invalidConfiguration("\(source): \(name) \(reason)")
    }

    func string(_ value: Any, _ name: String) throws(SluiceError) -> String {
        if let s = value as? String { return s }
        if let i = value as? Int { return String(i) }
        throw fail(name, "must be a string")
    }

    func strings(_ value: Any, _ name: String) throws(SluiceError) -> [String] {
        if value is NSNull { return [] }
        guard let list = value as? [Any] else { throw fail(name, "must be a list of strings") }
        var out: [String] = []
        for item in list {
            guard let s = item as? String else { throw fail(name, "must be a list of strings") }
            out.append(s)
        }
        return out
    }

    func positiveInt(_ value: Any, _ name: String) throws(SluiceError) -> Int {
        let number: Int?
        if let i = value as? Int { number = i } else if let s = value as? String { number = Int(s) } else { number = nil }
        guard let number, number > 0 else { throw fail(name, "must be a positive integer") }
        return number
    }

    /// A positive integer, or 0 / null for "off".
    func optionalPositiveInt(_ value: Any, _ name: String) throws(SluiceError) -> Int? {
        if value is NSNull { return nil }
        if let i = value as? Int, i == 0 { return nil }
        if let s = value as? String, s == "0" || s.isEmpty { return nil }
        return try positiveInt(value, name)
    }

    func positiveDouble(_ value: Any, _ name: String) throws(SluiceError) -> Double {
        let number: Double?
        if let d = value as? Double {
            number = d
        } else if let i = value as? Int {
            number = Double(i)
        } else if let s = value as? String {
            number = Double(s)
        } else {
            number = nil
        }
        guard let number, number > 0, number.isFinite else { throw fail(name, "must be a positive number") }
        // Every such setting is a time in seconds; past this a `Duration`
        // built from it would overflow.
        guard number <= SettingReader.maximumSeconds else { throw fail(name, "must be at most \(Int(SettingReader.maximumSeconds))") }
        return number
    }

    func logLevel(_ value: Any, _ name: String) throws(SluiceError) -> String {
        let level = try string(value, name)
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw fail(name, "must be one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }

    func logFormat(_ value: Any, _ name: String) throws(SluiceError) -> String {
        let format = try string(value, name)
        guard ["text", "json"].contains(format) else { throw fail(name, "must be text or json") }
        return format
    }

    func mapping(_ value: Any, _ name: String, keys: Set<String>) throws(SluiceError) -> [String: Any] {
        guard let map = value as? [String: Any] else { throw fail(name, "must be a mapping") }
        for key in map.keys where !keys.contains(key) { throw fail("\(name).\(key)", "is not a known setting") }
        return map
    }

    /// A key entry: `kid`, `algorithm`, and `secret_env` (HS256, the secret's
    /// environment variable) or `public_key_file` / `private_key_file` (PEM).
    func jwtKey(_ value: Any, _ name: String, environment: [String: String], publicOnly: Bool) throws(SluiceError) -> JWTKey {
        let map = try mapping(value, name, keys: ["kid", "algorithm", "secret_env", "public_key_file"])
        let kid = try map["kid"].map { v throws(SluiceError) in try string(v, "\(name).kid") }
        guard let algText = map["algorithm"], let algorithm = JWTAlgorithm(rawValue: try string(algText, "\(name).algorithm")) else {
            throw fail("\(name).algorithm", "must be HS256, RS256 or ES256")
        }
        switch algorithm {
        case .hs256:
            guard let envName = map["secret_env"] else { throw fail("\(name).secret_env", "is required for HS256") }
            let variable = try string(envName, "\(name).secret_env")
            guard let secret = environment[variable], !secret.isEmpty else {
                throw fail("\(name).secret_env", "names \(variable), which is not set")
            }
            do { return try JWTKey(id: kid, algorithm: .hs256, material: Array(secret.utf8)) } catch {
                throw fail("\(name).secret_env", "(\(variable)): \(error.reason)")
            }
        case .rs256, .es256:
            guard let file = map["public_key_file"] else { throw fail("\(name).public_key_file", "is required for \(algorithm.rawValue)") }
            return try pemKey(file: try string(file, "\(name).public_key_file"), algorithm: algorithm, id: kid, name: "\(name).public_key_file")
        }
    }

    /// A PEM public key from a file; the algorithm is inferred (EC → ES256) when not given.
    func pemKey(file: String, algorithm: JWTAlgorithm?, id: String?, name: String) throws(SluiceError) -> JWTKey {
        guard let data = FileManager.default.contents(atPath: file) else { throw fail(name, "cannot read \(file)") }
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN PUBLIC KEY-----") || text.contains("-----BEGIN RSA PUBLIC KEY-----") else {
            throw fail(name, "must hold a PEM public key")
        }
        let inferred: JWTAlgorithm = algorithm ?? (SettingReader.isECKey(text) ? .es256 : .rs256)
        do { return try JWTKey(id: id, algorithm: inferred, material: Array(data)) } catch {
            throw fail(name, error.reason)
        }
    }

    /// EC public keys in SubjectPublicKeyInfo form carry the id-ecPublicKey OID.
    static func isECKey(_ pem: String) -> Bool {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body) else { return false }
        let oid: [UInt8] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
        let bytes = Array(der)
        guard bytes.count >= oid.count else { return false }
        return (0...(bytes.count - oid.count)).contains { Array(bytes[$0..<($0 + oid.count)]) == oid }
    }
}
