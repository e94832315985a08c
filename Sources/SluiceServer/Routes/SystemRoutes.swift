import Hummingbird
import NIOCore
import SluiceCore

/// `/healthz`, `/readyz`, `/metrics`.
struct SystemRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/healthz") { _, _ in RequestParsing.json(.object([("status", .string("ok"))])) }
        router.get("/readyz") { _, _ in
            do {
                _ = try await gateway.store.circles()
                return RequestParsing.json(.object([("status", .string("ready"))]))
            } catch {
                throw SluiceError.unavailable("the store is not reachable")
            }
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: gateway.metrics.exposition(openStreams: gateway.hub.streamCount))))
        }
    }
}
