import Hummingbird
import NIOCore
import SluiceCore

/// `/healthz`, `/readyz`, `/metrics`, `/openapi.json`.
struct SystemRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/healthz") { _, _ in RequestParsing.json(.object([("status", .string("ok"))])) }
        router.get("/readyz") { _, _ in
            // A shared database is asked by `ReadinessProbe` in the
            // background, so this answers at once even when it hangs.
            if gateway.store.isShared {
                guard gateway.readiness.isAvailable else { throw SluiceError.unavailable("the store is not reachable") }
                return RequestParsing.json(.object([("status", .string("ready"))]))
            }
            do {
                _ = try await gateway.store.circles()
                return RequestParsing.json(.object([("status", .string("ready"))]))
            } catch {
                throw SluiceError.unavailable("the store is not reachable")
            }
        }
        router.get("/metrics") { _, _ in
            let text = gateway.metrics.exposition(openStreams: gateway.hub.streamCount, shareTokensLive: await liveShareTokens())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
    }

    /// Live share tokens of every circle, counted at scrape time; nil when the
    /// store cannot be read (the gauge keeps its last value).
    func liveShareTokens() async -> Int? {
        do {
            var count = 0
            for circle in try await gateway.store.circles() {
                count += try await gateway.store.shareTokens(in: circle.id, now: gateway.timestamp).count
            }
            return count
        } catch {
            return nil
        }
    }
}
