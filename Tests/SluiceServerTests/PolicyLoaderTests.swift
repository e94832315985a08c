import Foundation
import SluiceCore
import SluiceServer
import Testing

/// Policy files: the schema of contract section 5, errors with file, line and reason.
@Suite struct PolicyLoaderTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func folder(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return directory.path
    }

    @Test func theShippedPolicyLoads() throws {
        let set = try PolicyLoader.load(directory: PolicyLoaderTests.root.appendingPathComponent("policies").path)
        let acme = try #require(CircleID("acme"))
        #expect(set.face("member", for: acme) != nil)
        #expect(set.face("public-widget", for: acme) != nil)
        #expect(set.face("nobody", for: acme) == nil)
    }

    @Test func aCirclesOwnFaceReplacesTheWildcardFace() throws {
        let directory = try folder([
            "a.yaml": "version: 1\ncircles: [\"*\"]\nfaces:\n  member:\n    subjects: [\">\"]\n    fields: [\"**\"]\n",
            "b.yaml": "version: 1\ncircles: [\"acme\"]\nfaces:\n  member:\n    subjects: [\"orders.>\"]\n    fields: [\"payload.total\"]\n",
        ])
        let set = try PolicyLoader.load(directory: directory)
        #expect(set.face("member", for: CircleID("acme")!)?.subjects.strings == ["orders.>"])
        #expect(set.face("member", for: CircleID("globex")!)?.subjects.strings == [">"])
    }

    @Test(arguments: [
        ("version: 2\ncircles: [\"*\"]\nfaces: {}\n", ":1:", "version"),
        ("version: 1\ncircles: [\"Bad Circle\"]\nfaces: {}\n", ":2:", "circle"),
        ("version: 1\ncircles: [\"*\"]\nfaces:\n  member:\n    subjects: [\"a..b\"]\n    fields: [\"**\"]\n", ":5:", "subject pattern"),
        ("version: 1\ncircles: [\"*\"]\nfaces:\n  member:\n    subjects: [\">\"]\n    fields: [\"payload..x\"]\n", ":6:", "empty key"),
        ("version: 1\ncircles: [\"*\"]\nfaces:\n  member:\n    subjects: [\">\"]\n    colour: red\n    fields: []\n", ":6:", "unknown key"),
        ("version: 1\ncircles: [\"*\"]\nfaces:\n  member:\n    fields: [\"**\"]\n", ":5:", "subjects"),
        ("version: 1\ncircles: [\"*\"\nfaces: {}\n", ":", "YAML"),
        ("extra: 1\nversion: 1\ncircles: [\"*\"]\nfaces: {}\n", ":1:", "unknown key"),
    ])
    func errorsNameFileLineAndReason(text: String, line: String, reason: String) throws {
        let directory = try folder(["broken.yaml": text])
        #expect {
            _ = try PolicyLoader.load(directory: directory)
        } throws: { error in
            guard let error = error as? SluiceError else { return false }
            return error.code == "invalid_policy" && error.detail.contains("broken.yaml\(line)") && error.detail.contains(reason)
        }
    }

    @Test func aFaceDefinedTwiceForOneCircleIsRefused() throws {
        let face = "version: 1\ncircles: [\"acme\"]\nfaces:\n  member:\n    subjects: [\">\"]\n    fields: [\"**\"]\n"
        let directory = try folder(["a.yaml": face, "b.yaml": face])
        #expect(throws: SluiceError.self) { _ = try PolicyLoader.load(directory: directory) }
    }
}
