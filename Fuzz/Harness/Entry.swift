import Foundation

/// libFuzzer's entry points for every Sluice parser. One binary holds every
/// target; `SLUICE_FUZZ_TARGET` names the one a run exercises (scripts/fuzz
/// sets it), so the parsers are compiled and instrumented once.
enum FuzzTargets {
    static let all: [String: @Sendable (UnsafeRawBufferPointer) -> Void] = [
        "json": JSONTarget.run,
        "sse": SSETarget.run,
        "recognizer": RecognizerTarget.run,
        "subjects": SubjectsTarget.run,
        "ingest": IngestTarget.run,
        "face": FaceTarget.run,
        "jwt": JWTTarget.run,
        "opaque-id": OpaqueIDTarget.run,
    ]

    // Set once in LLVMFuzzerInitialize, before any input runs, on the one thread libFuzzer uses.
    nonisolated(unsafe) static var selected: (@Sendable (UnsafeRawBufferPointer) -> Void)?
}

/// A differential or invariant check that failed: abort, so libFuzzer keeps the input.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        FileHandle.standardError.write(Data("sluice-fuzz: \(message())\n".utf8))
        abort()
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>)
    -> Int32
{
    let name = ProcessInfo.processInfo.environment["SLUICE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.all[name] else {
        FileHandle.standardError.write(Data("set SLUICE_FUZZ_TARGET to one of: \(FuzzTargets.all.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    FuzzTargets.selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FuzzTargets.selected?(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
