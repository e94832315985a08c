import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceServer

/// The `sluice` command: argument parsing and wiring only.
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Sluice: a multi-tenant event gateway with default-deny redaction and share tokens.",
        subcommands: [Serve.self, Circles.self, Keys.self, Share.self, Policy.self, Tail.self, Webhooks.self],
        defaultSubcommand: Serve.self)
}

/// Options every command shares: which configuration to read.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default Config/sluice.yaml).")
    var config: String?

    func load() throws -> SluiceConfiguration {
        do {
            return try SluiceConfiguration.load(
                file: config ?? "Config/sluice.yaml", environment: ProcessInfo.processInfo.environment, requireFile: config != nil)
        } catch {
            throw ValidationError("configuration refused: \(error.detail)")
        }
    }
}

enum Output {
    /// Writes a line to standard error.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Prints a refusal ("error: code: detail") on standard error and
    /// returns the non-zero exit to throw.
    static func failure(_ message: String) -> ExitCode {
        error("error: \(message)")
        return ExitCode(1)
    }

    static func line(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func logger(level: String, format: String = "text") -> Logger {
        LoggingSystem.bootstrap { label in
            let level = Logger.Level(rawValue: level) ?? .info
            if format == "json" {
                var handler = JSONLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "sluice")
    }
}
