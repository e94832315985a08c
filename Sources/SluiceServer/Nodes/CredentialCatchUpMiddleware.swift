import Hummingbird
import SluiceCore

/// On a shared store, a key, share token or circle created on another node
/// a moment ago may not have reached this node's caches yet: the change
/// feed is followed within milliseconds of each commit, yet a client handed
/// a new key can be quicker. A request refused 401 while the store holds
/// changes this node has not applied is answered again, once, after they
/// are applied. Routes authenticate before reading the body, so the retry
/// sees the request whole. On SQLite, where every change is made here or
/// by the offline command, nothing changes.
struct CredentialCatchUpMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext
    let gateway: Gateway

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard gateway.store.isShared else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch let refusal as SluiceError where refusal.status == 401 {
            let before = await gateway.changes.cursor
            do { try await gateway.changes.catchUp() } catch { throw refusal }
            guard await gateway.changes.cursor != before else { throw refusal }
            return try await next(request, context)
        }
    }
}
