import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceCrypto
import SluiceStore

/// The browser side of the contract's section 12: the `sluice.js` module and
/// the embeddable widget page built on it.
struct WidgetRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/sdk/sluice.js") { request, _ in script(request) }
        router.get("/embed/{circle}") { request, context in try await embed(request, context) }
    }

    /// The module, cacheable and revalidated by its entity tag; any origin
    /// may load it (it holds no secret).
    func script(_ request: Request) -> Response {
        var headers: HTTPFields = [
            .eTag: SluiceScript.entityTag, .cacheControl: "public, max-age=300, must-revalidate",
            .accessControlAllowOrigin: "*", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == SluiceScript.entityTag })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "text/javascript; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: SluiceScript.source)))
    }

    /// The widget for one share token. Any bad token is the same bare 401 as
    /// on the public stream.
    func embed(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        guard let text = context.parameters.get("circle"), let circle = CircleID(text) else {
            throw SluiceError.unauthorized("invalid share token")
        }
        let query = request.uri.queryParameters
        guard let token = query["t"].map(String.init), !token.isEmpty,
            token.utf8.allSatisfy({ b in
                (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E
            })
        else { throw SluiceError.unauthorized("invalid share token") }
        var theme = EmbedPage.Theme.light
        if let name = query["theme"].map(String.init) {
            guard let chosen = EmbedPage.Theme(rawValue: name) else { throw SluiceError.invalidField("theme", "must be light or dark") }
            theme = chosen
        }
        let record = try await gateway.shares.verify(token, circle: circle, now: gateway.now(), store: gateway.store)
        let nonce = Base64URL.encode(SecretDigest.randomBytes(18))
        let html = EmbedPage.html(circle: circle, token: token, element: record.element, theme: theme, nonce: nonce)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: Self.contentSecurityPolicy(nonce: nonce, origins: record.origins),
                HTTPField.Name("Referrer-Policy")!: "no-referrer", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// Only the page's own nonce runs; the stream and module come from the
    /// gateway. `frame-ancestors` names the token's origins when it lists
    /// any; without, any page may frame the widget (no `X-Frame-Options`).
    static func contentSecurityPolicy(nonce: String, origins: [String]) -> String {
        var policy =
            "default-src 'none'; script-src 'self' 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; connect-src 'self'; base-uri 'none'; form-action 'none'"
        // Minting accepts only plain origins; anything else here would be a
        // header injection, so it is dropped rather than written.
        let safe = origins.filter { origin in
            !origin.isEmpty && origin.utf8.allSatisfy { b in b > 0x20 && b < 0x7F && b != UInt8(ascii: ";") && b != UInt8(ascii: ",") }
        }
        if !origins.isEmpty { policy += "; frame-ancestors " + (safe.isEmpty ? "'none'" : safe.joined(separator: " ")) }
        return policy
    }
}
