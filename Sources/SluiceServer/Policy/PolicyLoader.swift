import Foundation
import SluiceCore
import Yams

/// Reads `policies/*.yaml` into a compiled `PolicySet`. Errors name the file,
/// the line and the reason.
public enum PolicyLoader {
    /// Loads every `.yaml`/`.yml` file of `directory`, in name order.
    public static func load(directory: String) throws(SluiceError) -> PolicySet {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw .invalidPolicy("\(directory): cannot read the policy folder")
        }
        var documents: [PolicySet.Document] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { throw .invalidPolicy("\(path): cannot be read") }
            documents.append(try parse(String(decoding: data, as: UTF8.self), source: path))
        }
        return try PolicySet(documents: documents)
    }

    /// A fingerprint of the folder (names, sizes, modification times) to see changes.
    public static func fingerprint(directory: String) -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: (directory as NSString).appendingPathComponent(name))
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
            let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(name):\(size):\(date)"
        }.joined(separator: "|")
    }

    /// Parses one policy document.
    public static func parse(_ text: String, source: String) throws(SluiceError) -> PolicySet.Document {
        func fail(_ node: Node?, _ reason: String) -> SluiceError {
            let line = node?.mark.map { "\($0.line)" } ?? "1"
            return .invalidPolicy("\(source):\(line): \(reason)")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw .invalidPolicy("\(source):\(yamlLine(error)): not valid YAML")
        } catch {
            throw .invalidPolicy("\(source):1: not valid YAML")
        }
        guard let root, let mapping = root.mapping else { throw fail(root, "a policy must be a mapping with version, circles and faces") }
        for (key, _) in mapping where !["version", "circles", "faces"].contains(key.string ?? "") {
            throw fail(key, "unknown key '\(key.string ?? "?")'")
        }
        guard let version = mapping["version"] else { throw fail(root, "'version' is required") }
        guard version.int == 1 else { throw fail(version, "version must be 1") }
        guard let circlesNode = mapping["circles"], let circleItems = circlesNode.sequence, !circleItems.isEmpty else {
            throw fail(mapping["circles"] ?? root, "'circles' must be a non-empty list")
        }
        var circles: [String] = []
        for item in circleItems {
            guard let name = item.string, name == "*" || CircleID(name) != nil else {
                throw fail(item, "'\(item.string ?? "?")' is not a circle id or \"*\"")
            }
            circles.append(name)
        }
        guard let facesNode = mapping["faces"], let faceMap = facesNode.mapping else {
            throw fail(mapping["faces"] ?? root, "'faces' must be a mapping of face names")
        }
        var faces: [Face] = []
        for (nameNode, body) in faceMap {
            guard let name = nameNode.string, Face.isValidName(name) else { throw fail(nameNode, "invalid face name") }
            guard let faceMapping = body.mapping else { throw fail(body, "face '\(name)' must be a mapping") }
            for (key, _) in faceMapping where !["subjects", "fields"].contains(key.string ?? "") {
                throw fail(key, "unknown key '\(key.string ?? "?")' in face '\(name)'")
            }
            guard let subjectItems = faceMapping["subjects"]?.sequence, !subjectItems.isEmpty else {
                throw fail(faceMapping["subjects"] ?? body, "face '\(name)' needs a non-empty 'subjects' list")
            }
            var patterns: [SubjectPattern] = []
            for item in subjectItems {
                guard let text = item.string, let pattern = SubjectPattern(text) else {
                    throw fail(item, "'\(item.string ?? "?")' is not a subject pattern")
                }
                patterns.append(pattern)
            }
            guard let fieldsNode = faceMapping["fields"], let fieldItems = fieldsNode.sequence else {
                throw fail(faceMapping["fields"] ?? body, "face '\(name)' needs a 'fields' list")
            }
            var paths: [String] = []
            for item in fieldItems {
                guard let text = item.string else { throw fail(item, "a field path must be a string") }
                paths.append(text)
            }
            let selector: FieldSelector
            do { selector = try FieldSelector(paths) } catch {
                throw fail(fieldsNode, error.detail)
            }
            faces.append(Face(name: name, subjects: PatternList(uncheckedPatterns: patterns), fields: selector))
        }
        return PolicySet.Document(circles: circles, faces: faces, source: source)
    }

    static func yamlLine(_ error: YamlError) -> String {
        let text = "\(error)"
        // Yams describes errors as "<file>:LINE:COLUMN: ..."; take the line.
        let parts = text.split(separator: ":")
        for part in parts { if let n = Int(part.trimmingCharacters(in: .whitespaces)) { return String(n) } }
        return "1"
    }
}
