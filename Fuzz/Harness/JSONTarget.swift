import Foundation
import SluiceCore

/// The JSON parser against Foundation's `JSONSerialization`: on every input
/// both accept, both must read the same value. What Sluice writes back must
/// parse to the same value again.
enum JSONTarget {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let value = try? JSONValue.parse(Array(bytes)) else { return }
        let written = value.jsonText
        require((try? JSONValue.parse(written)) == value, "written JSON does not read back: \(written)")
        guard let reference = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return }
        require(same(value, reference), "JSONSerialization reads another value")
    }

    static func same(_ value: JSONValue, _ reference: Any) -> Bool {
        switch value {
        case .null: return reference is NSNull
        case .bool(let b):
            guard let number = reference as? NSNumber else { return false }
            return number.boolValue == b
        case .number(let text):
            guard let number = reference as? NSNumber, let double = Double(text) else { return reference is NSNumber }
            // Beyond a double's exact integers the two may round differently.
            if text.count > 15 || !double.isFinite { return true }
            return number.doubleValue == double
        case .string(let s):
            guard let other = reference as? String else { return false }
            return Array(s.unicodeScalars) == Array(other.unicodeScalars)
        case .array(let items):
            guard let list = reference as? [Any], list.count == items.count else { return false }
            return zip(items, list).allSatisfy { same($0, $1) }
        case .object(let members):
            // Foundation merges canonically equivalent keys ("é", "e\u{301}");
            // Sluice keeps them apart, by code points, as RFC 8259 reads.
            if Set(members.map(\.0)).count != members.count { return true }
            // Not `[String: Any]`: Swift's `String` equality would merge
            // canonically equivalent keys (and trap on them as duplicates).
            guard let map = reference as? NSDictionary, map.count == members.count else { return false }
            return members.allSatisfy { key, member in map.object(forKey: NSString(string: key)).map { same(member, $0) } ?? false }
        }
    }
}
