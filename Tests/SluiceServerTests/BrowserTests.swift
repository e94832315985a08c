import Foundation
import SluiceClient
import SluiceCore
import SluiceTesting
import Testing

/// The widget and `sluice.js` in headless Chromium against a real gateway.
/// Without Chromium these tests fail with the reason (`scripts/deps` installs it).
@Suite(.serialized, .timeLimit(.minutes(3))) struct BrowserTests {
    /// Every event shape the Triform rule must decide, with its decision.
    static let triform: [(JSONValue, String)] = [
        (.object([("kind", .string("completed")), ("cache", .string("apply")), ("redacted", .bool(false))]), "apply"),
        (.object([("kind", .string("completed")), ("cache", .string("apply")), ("redacted", .bool(true))]), "invalidate"),
        (.object([("kind", .string("completed")), ("cache", .string("invalidate")), ("redacted", .bool(false))]), "invalidate"),
        (.object([("kind", .string("completed")), ("cache", .string("apply"))]), "invalidate"),
        (.object([("kind", .string("progress")), ("cache", .string("apply")), ("redacted", .bool(false))]), "invalidate"),
        (.object([("kind", .string("failed")), ("cache", .string("apply")), ("redacted", .bool(false))]), "invalidate"),
        (.object([("kind", .string("started")), ("cache", .string("apply")), ("redacted", .bool(false))]), "invalidate"),
        (.object([("kind", .string("completed")), ("cache", .string("apply")), ("redacted", .string("false"))]), "invalidate"),
        (.null, "invalidate"),
    ]

    @Test func sluiceJSAppliesOnlyWhatTheTriformRuleAllows() async throws {
        let server = try await TestServer.start()
        let key = try await server.makeCircle("acme")
        let client = server.client(key: key)
        let token = try #require(try await client.mintShareToken(in: "acme", element: "sales-board", purpose: "public-widget").token)
        try await Browser.run { browser in
            try await browser.navigate(server.baseURL + "/healthz")
            let decided = try await browser.executeAsync(
                """
                const done = arguments[arguments.length - 1];
                import(arguments[0]).then((m) => done(arguments[1].map(m.decide)), (e) => done(String(e)));
                """, [.string(server.baseURL + "/sdk/sluice.js"), .array(Self.triform.map(\.0))])
            #expect(decided == .array(Self.triform.map { .string($0.1) }))

            // On a live public stream: every event reaches onEvent, then onApply or onInvalidate.
            _ = try await browser.executeAsync(
                """
                const done = arguments[arguments.length - 1];
                window.log = []; window.states = [];
                import(arguments[0]).then((m) => {
                  m.subscribe(arguments[1], {
                    onApply: (e) => log.push("apply " + e.kind), onInvalidate: (e) => log.push("invalidate " + e.kind),
                    onStatus: (s) => states.push(s) });
                  done(true);
                });
                """, [.string(server.baseURL + "/sdk/sluice.js"), .string("/api/public/events/acme?t=\(token)")])
            #expect(try await browser.wait(for: "states.includes('live')") == .bool(true))
            try await client.publish(
                [
                    NewEvent(subject: "sales-board.x.started", invocationID: "a"),
                    NewEvent(subject: "sales-board.x.progress", invocationID: "a", cache: .apply),
                    NewEvent(
                        subject: "sales-board.x.completed", payload: .object([("output", .object([("total", .number("1"))]))]), invocationID: "a",
                        cache: .apply),
                    NewEvent(subject: "sales-board.y.started", invocationID: "b"),
                    NewEvent(subject: "sales-board.y.completed", payload: .object([("secret", .string("s"))]), invocationID: "b", cache: .apply),
                ], to: "acme")
            let log = try await browser.wait(for: "log.length >= 3 && log")
            #expect(log == .array(["invalidate progress", "apply completed", "invalidate completed"].map(JSONValue.string)))
            #expect(try await browser.execute("return states;") == .array([.string("connecting"), .string("live")]))
        }
        try await server.stop()
    }

    @Test func theWidgetDrawsARunAsItHappens() async throws {
        let port = try freeLoopbackPort()
        let first = try await TestServer.start { $0.port = port }
        let key = try await first.makeCircle("acme")
        let client = SluiceClient(baseURL: first.baseURL, key: key)
        let token = try #require(try await client.mintShareToken(in: "acme", element: "sales-board", purpose: "public-widget").token)
        let embed = first.baseURL + "/embed/acme?t=\(token)&theme=dark"
        let second = try await Browser.run { browser in
            // The embedding page: another origin (localhost, not 127.0.0.1) that frames the widget.
            try await browser.navigate("http://localhost:\(port)/healthz")
            try await browser.execute(
                """
                window.heights = [];
                addEventListener("message", (e) => { if (e.data && e.data.type === "sluice:height") heights.push(e.data.height); });
                const frame = document.createElement("iframe");
                frame.src = arguments[0];
                frame.style = "width: 420px; height: 200px; border: 0";
                document.body.replaceChildren(frame);
                """, [.string(embed)])
            let height = try await browser.wait(for: "heights.length > 0 && heights[heights.length - 1]")
            #expect((height.intValue ?? 0) > 50, "the widget posts its height to the embedding page")

            try await browser.frame(0)
            #expect(try await browser.wait(for: "document.getElementById('connection').dataset.state === 'live'") == .bool(true))
            #expect(try await browser.execute("return document.getElementById('connection-text').textContent;") == .string("live"))
            #expect(try await browser.execute("return document.documentElement.dataset.theme;") == .string("dark"))
            #expect(try await browser.execute("return getComputedStyle(document.body).backgroundColor;") == .string("rgb(18, 20, 23)"))
            #expect(try await browser.execute("return document.getElementById('live').getAttribute('aria-live');") == .string("polite"))

            try await client.publish(
                NewEvent(subject: "sales-board.q.started", payload: .object([("who", .string("internal-user"))]), invocationID: "r1"), to: "acme")
            try await client.publish(
                NewEvent(
                    subject: "sales-board.q.progress",
                    payload: .object([("progress", .object([("percent", .number("40"))])), ("note", .string("internal-note"))]), invocationID: "r1"),
                to: "acme")
            #expect(try await browser.wait(for: "document.getElementById('bar').style.width === '40%'") == .bool(true))
            #expect(try await browser.execute("return document.getElementById('status').textContent;") == .string("running"))
            #expect(try await browser.execute("return document.getElementById('progress-text').textContent;") == .string("40 %"))
            let drawn =
                "document.getElementById('bar').getBoundingClientRect().width / document.getElementById('progress').getBoundingClientRect().width"
            let width = try await browser.wait(for: "Math.abs(\(drawn) - 0.4) < 0.01", timeout: .seconds(3))
            #expect(width == .bool(true), "the bar is drawn 40 % wide once its transition ends")
            let updated = try await browser.execute("return document.getElementById('updated').textContent;")
            #expect(updated.stringValue?.range(of: #"^updated \d+ s ago$"#, options: .regularExpression) != nil)

            // The gateway restarts: the widget says so, then is live again and resumes.
            try await first.stop(removeFiles: false)
            #expect(try await browser.wait(for: "document.getElementById('connection').dataset.state === 'reconnecting'") == .bool(true))
            #expect(try await browser.execute("return document.getElementById('connection-text').textContent;") == .string("reconnecting…"))
            let second = try await TestServer.start(directory: first.directory) { $0.port = port }
            #expect(
                try await browser.wait(for: "document.getElementById('connection').dataset.state === 'live'", timeout: .seconds(15)) == .bool(true))
            try await client.publish(
                NewEvent(
                    subject: "sales-board.q.completed",
                    payload: .object([("output", .object([("total", .number("42"))])), ("secret", .string("hunter2"))]), invocationID: "r1",
                    cache: .apply),
                to: "acme")
            #expect(try await browser.wait(for: "document.getElementById('status').textContent === 'completed'") == .bool(true))
            #expect(try await browser.execute("return document.getElementById('bar').style.width;") == .string("100%"))
            let output = try await browser.execute("return [...document.querySelectorAll('#output dt, #output dd')].map((e) => e.textContent);")
            #expect(output == .array([.string("total"), .string("42")]))
            let page = try await browser.execute("return document.documentElement.outerHTML;").stringValue ?? ""
            for removed in ["hunter2", "internal-note", "internal-user", "secret", "note"] {
                #expect(!page.contains(removed), "what the face removes is nowhere in the DOM: \(removed)")
            }
            #expect(try await Self.contrastPasses(browser))
            try await browser.frame(nil)
            try await browser.navigate(second.baseURL + "/embed/acme?t=\(token)")
            #expect(try await browser.execute("return getComputedStyle(document.body).backgroundColor;") == .string("rgb(255, 255, 255)"))
            #expect(try await Self.contrastPasses(browser))
            return second
        }
        try await second.stop()
    }

    @Test func theWidgetDrawsAFinishedRunAtOnce() async throws {
        let server = try await TestServer.start()
        // The run ended an hour before anyone opens the widget; nothing is published after.
        server.clock.advance(by: -3600)
        let key = try await server.makeCircle("acme")
        let client = server.client(key: key)
        let token = try #require(try await client.mintShareToken(in: "acme", element: "sales-board", purpose: "public-widget").token)
        try await client.publish(
            [
                NewEvent(subject: "sales-board.q.started", payload: .object([("who", .string("internal-user"))]), invocationID: "r1"),
                NewEvent(
                    subject: "sales-board.q.progress",
                    payload: .object([("progress", .object([("percent", .number("40"))])), ("note", .string("internal-note"))]), invocationID: "r1"),
                NewEvent(
                    subject: "sales-board.q.completed",
                    payload: .object([("output", .object([("total", .number("42"))])), ("secret", .string("hunter2"))]), invocationID: "r1",
                    cache: .apply),
            ], to: "acme")
        server.clock.advance(by: 3600)
        try await Browser.run { browser in
            try await browser.navigate(server.baseURL + "/embed/acme?t=\(token)")
            #expect(try await browser.wait(for: "document.getElementById('status').textContent === 'completed'") == .bool(true))
            #expect(try await browser.wait(for: "document.getElementById('connection').dataset.state === 'live'") == .bool(true))
            #expect(try await browser.execute("return document.getElementById('bar').style.width;") == .string("100%"))
            #expect(try await browser.execute("return document.getElementById('progress-text').textContent;") == .string("100 %"))
            #expect(try await browser.execute("return document.getElementById('progress').getAttribute('aria-valuenow');") == .string("100"))
            let output = try await browser.execute("return [...document.querySelectorAll('#output dt, #output dd')].map((e) => e.textContent);")
            #expect(output == .array([.string("total"), .string("42")]))
            #expect(try await browser.execute("return document.getElementById('updated').textContent;") == .string("updated 1 h ago"))
            let page = try await browser.execute("return document.documentElement.outerHTML;").stringValue ?? ""
            for removed in ["hunter2", "internal-note", "internal-user", "secret", "note"] {
                #expect(!page.contains(removed), "what the face removes is nowhere in the DOM: \(removed)")
            }
        }
        try await server.stop()
    }

    /// WCAG contrast of every text the widget shows against its background: at least 4.5:1.
    static func contrastPasses(_ browser: Browser) async throws -> Bool {
        let ratios = try await browser.execute(
            """
            const lum = (c) => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map((v) => { v = v / 255;
              return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            const bg = lum(getComputedStyle(document.body).backgroundColor);
            return [...document.querySelectorAll('h1, #status, #progress-text, #connection-text, dt, dd, #updated')].map((e) => {
              const fg = lum(getComputedStyle(e).color); return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05); });
            """)
        let values = ratios.arrayValues?.compactMap(\.doubleValue) ?? []
        return !values.isEmpty && values.allSatisfy { $0 >= 4.5 }
    }
}

extension JSONValue {
    fileprivate var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }
}
