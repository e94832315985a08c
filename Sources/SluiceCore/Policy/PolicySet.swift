/// Every face of every circle, compiled from the policy files. Lookup is
/// default-deny: a face no file defines for a circle is nil, and nothing is
/// delivered through it. A circle's own face replaces a `"*"` face of the
/// same name.
public struct PolicySet: Sendable, Equatable {
    /// One parsed policy document (one file).
    public struct Document: Sendable, Equatable {
        /// Circle ids, or `["*"]` for every circle.
        public let circles: [String]
        public let faces: [Face]
        public let source: String

        public init(circles: [String], faces: [Face], source: String) {
            self.circles = circles
            self.faces = faces
            self.source = source
        }
    }

    private var specific: [CircleID: [String: Face]] = [:]
    private var wildcard: [String: Face] = [:]
    /// Files the set was built from, in load order.
    public private(set) var sources: [String] = []

    /// The empty set: nothing is delivered to anyone.
    public static let empty = PolicySet()

    public init() {}

    /// Builds a set from documents; two documents defining the same face for
    /// the same circle (or both for `"*"`) is an error naming both files.
    public init(documents: [Document]) throws(SluiceError) {
        var origin: [String: String] = [:]
        for document in documents {
            sources.append(document.source)
            for circleText in document.circles {
                for face in document.faces {
                    let key = "\(circleText)/\(face.name)"
                    if let first = origin[key] {
                        throw .invalidPolicy("\(document.source): face '\(face.name)' for '\(circleText)' is already defined in \(first)")
                    }
                    origin[key] = document.source
                    if circleText == "*" {
                        wildcard[face.name] = face
                    } else if let circle = CircleID(circleText) {
                        specific[circle, default: [:]][face.name] = face
                    }
                }
            }
        }
    }

    /// The face `name` as it applies to `circle`, or nil (deny).
    public func face(_ name: String, for circle: CircleID) -> Face? {
        specific[circle]?[name] ?? wildcard[name]
    }

    /// Names of the faces `circle` has.
    public func faceNames(for circle: CircleID) -> [String] {
        Set(wildcard.keys).union(specific[circle]?.keys ?? [:].keys).sorted()
    }
}
