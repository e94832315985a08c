import Hummingbird

/// The routes clients and the widget read: run state, one circle, the
/// browser module and the embeddable page.
struct ClientRoutes {
    let gateway: Gateway

    func register(on router: Router<SluiceRequestContext>) {
        RunRoutes(gateway: gateway).register(on: router)
        CircleRoutes(gateway: gateway).register(on: router)
        WidgetRoutes(gateway: gateway).register(on: router)
    }
}
