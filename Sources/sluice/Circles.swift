import ArgumentParser
import SluiceClient
import SluiceCore
import SluiceServer
import SluiceStore

struct Circles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and delete circles.", subcommands: [Create.self, List.self, Delete.self, CircleLimitsCommand.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a circle.")
        @OptionGroup var target: Target
        @Option(help: "A display name for the circle.") var name: String?
        @Argument var id: String

        func run() async throws {
            let circle: Circle
            if target.isRemote {
                circle = try await target.remote { try await $0.createCircle(id, name: name) }
            } else {
                let circleID = try parseCircle(id)
                let created = try await target.offline { administration in
                    let checked = try CircleRoutes.name(.object(name.map { [("name", .string($0))] } ?? []))
                    let record = try await administration.circles.create(circleID, name: checked, by: nil)
                    return CircleRoutes.describe(NamedCircle(id: record.id, name: checked, createdAt: record.createdAt))
                }
                circle = try typed(created, Circle.init)
            }
            target.show(circle.json) { "created circle \(circle.id)" + (circle.name.map { " (\($0))" } ?? "") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List circles.")
        @OptionGroup var target: Target

        func run() async throws {
            let circles: [Circle]
            if target.isRemote {
                circles = try await target.remote { try await $0.circles() }
            } else {
                let listed = try await target.offline { administration in
                    let names = try await administration.store.circleNames()
                    return try await administration.circles.list(by: nil).map { record in
                        CircleRoutes.describe(NamedCircle(id: record.id, name: names[record.id], createdAt: record.createdAt))
                    }
                }
                circles = try listed.map { try typed($0, Circle.init) }
            }
            target.show(.object([("circles", .array(circles.map(\.json)))])) {
                Table.columns(["ID", "NAME", "CREATED"], circles.map { [$0.id, $0.name ?? "-", $0.createdAt] })
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a circle with its events, keys and share tokens.")
        @OptionGroup var target: Target
        @Argument var id: String

        func run() async throws {
            if target.isRemote {
                try await target.remote { try await $0.deleteCircle(id) }
            } else {
                let circle = try parseCircle(id)
                try await target.offline { try await $0.circles.delete(circle, by: nil) }
            }
            target.show(.object([("deleted", .string(id))])) { "deleted circle \(id)" }
        }
    }
}
