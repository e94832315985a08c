import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceCrypto
import SluiceServer
import SluiceStorage
import SluiceStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Create a demo circle, key and share token, print them, and publish a demo run every 2 s.")
    var demo = false

    func run() async throws {
        let configuration = try options.load()
        let logger = Output.logger(level: configuration.logLevel, format: configuration.logFormat)
        let store: any EventStore
        do {
            store = try await StorageEngine.open(configuration.database, options: configuration.databaseOptions, logger: logger)
        } catch let error as SluiceError {
            throw ValidationError("cannot start: \(error.detail)")
        }
        do {
            try await serve(configuration: configuration, store: store, logger: logger)
        } catch {
            await store.shutdown()
            throw error
        }
        // The store outlives every service that uses it.
        await store.shutdown()
    }

    private func serve(configuration: SluiceConfiguration, store: any EventStore, logger: Logger) async throws {
        let gateway: Gateway
        do {
            gateway = try await Gateway.make(configuration: configuration, store: store, logger: logger) { key in
                Output.error("\nPlatform key (shown once, keep it safe):\n  \(key)\n")
            }
        } catch let error as SluiceError {
            throw ValidationError("cannot start: \(error.detail)")
        }
        var extra: [any Service] = []
        if demo {
            let circle = CircleID("demo")!
            try await DemoSetup.prepare(gateway: gateway, circle: circle)
            extra.append(DemoPublisher(ingest: gateway.ingest, circle: circle, interval: .seconds(2), clock: ContinuousClock(), logger: logger))
        }
        let server = SluiceServer(gateway: gateway)
        let group = server.makeServiceGroup(clock: ContinuousClock(), extraServices: extra) { port in
            logger.notice("sluice listening", metadata: ["address": "\(configuration.host):\(port)"])
        }
        try await group.run()
    }
}

/// What `serve --demo` prints: a demo circle, a key for it, and a public URL.
enum DemoSetup {
    static func prepare(gateway: Gateway, circle: CircleID) async throws {
        let administration = gateway.administration
        if try await !gateway.store.circleExists(circle) { _ = try await administration.circles.create(circle, by: nil) }
        let issued = try await administration.keys.create(
            KeyRequest(name: "demo", scopes: [.eventsRead, .eventsPublish, .shareManage, .keysManage]), in: circle, by: nil)
        let token = issued.key
        let minted = try await administration.shareTokens.mint(
            ShareRequest(element: "sales-board", purpose: "public-widget", ttlSeconds: 86400), in: circle, by: nil)
        let share = minted.record
        let shareToken = minted.token
        let base = gateway.configuration.baseURL
        Output.error(
            """

            Demo circle 'demo' is ready; a demo run is published every 2 s.
              key:          \(token.text)
              live (auth):  curl -N -H 'X-Api-Key: \(token.text)' \(base)/api/events/demo
              public URL:   \(ShareMinting.publicURL(share, token: shareToken, baseURL: base))
              widget page:  \(ShareMinting.embedURL(share, token: shareToken, baseURL: base))
              publish:      curl -X POST -H 'X-Api-Key: \(token.text)' -H 'Content-Type: application/json' \\
                              -d '{"subject":"sales-board.b1.completed","payload":{"output":{"total":7}}}' \(base)/api/demo/events

            """)
    }
}
