import ArgumentParser
import Foundation
import SluiceCore
import SluiceServer

struct Policy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check policy files, and show what a face makes of an event.", subcommands: [Check.self, Test.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load every policy file; exit non-zero on any error.")
        @Argument(help: "The policy folder (default: the configured one).") var directory: String?
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let folder = try directory ?? options.load().policies
            do {
                let set = try PolicyLoader.load(directory: folder)
                Output.line("ok: \(set.sources.count) policy file(s) in \(folder)")
            } catch {
                Output.error(error.detail)
                throw ExitCode(1)
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print what a face makes of a sample event.")
        @OptionGroup var options: ConfigOptions
        @Option var circle: String
        @Option var face: String
        @Option(help: "The policy folder (default: the configured one).") var policies: String?
        @Argument(help: "A JSON file with one event as a producer sends it.") var event: String

        func run() async throws {
            let folder = try policies ?? options.load().policies
            let set: PolicySet
            do { set = try PolicyLoader.load(directory: folder) } catch {
                Output.error(error.detail)
                throw ExitCode(1)
            }
            let circleID = try parseCircle(circle)
            guard let compiled = set.face(face, for: circleID) else {
                Output.error("face '\(face)' is not defined for circle '\(circle)': nothing would be delivered")
                throw ExitCode(2)
            }
            guard let data = FileManager.default.contents(atPath: event) else { throw ValidationError("cannot read \(event)") }
            do {
                let inputs = try EventInput.parseBody(Array(data), limits: IngestLimits())
                for (i, input) in inputs.enumerated() {
                    let stored = StoredEvent(sequence: Int64(i + 1), circle: circleID, input: input, timestamp: now())
                    Output.line(compiled.render(stored)?.jsonText ?? "(not delivered: subject '\(input.subject)' is not allowed by face '\(face)')")
                }
            } catch {
                throw ValidationError(error.detail)
            }
        }
    }
}
