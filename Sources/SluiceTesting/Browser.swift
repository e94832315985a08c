import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore
import Synchronization

/// Headless Chromium driven through chromedriver's WebDriver protocol (plain
/// HTTP and JSON, so no library beyond AsyncHTTPClient). chromedriver runs on
/// a free loopback port and is ended by its pid in `quit()`.
///
/// Where Chromium or chromedriver cannot start, `start()` throws a
/// `BrowserError` that says so: a browser test fails, it never skips.
public final class Browser: Sendable {
    private let driverPID: Int32
    private let base: String

    /// Paths tried for the two programs (`scripts/deps` installs Debian's).
    static let chromedriverPaths = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
    static let chromiumPaths = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]

    private init(driverPID: Int32, base: String) {
        self.driverPID = driverPID
        self.base = base
    }

    /// Starts chromedriver and one headless Chromium session of `width`×`height`.
    public static func start(width: Int = 480, height: Int = 360) async throws -> Browser {
        let fileManager = FileManager.default
        guard let driver = chromedriverPaths.first(where: fileManager.isExecutableFile(atPath:)) else {
            throw BrowserError("chromedriver not found at \(chromedriverPaths); run scripts/deps (Debian chromium-driver)")
        }
        guard let chromium = chromiumPaths.first(where: fileManager.isExecutableFile(atPath:)) else {
            throw BrowserError("chromium not found at \(chromiumPaths); run scripts/deps (Debian chromium)")
        }
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: driver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw BrowserError("chromedriver did not start: \(error)") }
        let pid = process.processIdentifier
        let base = "http://127.0.0.1:\(port)"
        let browser = Browser(driverPID: pid, base: base)
        do {
            try await browser.waitUntilReady()
            let arguments = [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--window-size=\(width),\(height)", "--hide-scrollbars",
            ]
            let capabilities: JSONValue = .object([
                (
                    "capabilities",
                    .object([
                        (
                            "alwaysMatch",
                            .object([
                                ("browserName", .string("chrome")),
                                (
                                    "goog:chromeOptions",
                                    .object([("binary", .string(chromium)), ("args", .array(arguments.map(JSONValue.string)))])
                                ),
                            ])
                        )
                    ])
                )
            ])
            let session = try await browser.command(.POST, "/session", capabilities)
            guard let id = session["sessionId"]?.stringValue else { throw BrowserError("no session id from chromedriver") }
            browser.session.withLock { $0 = id }
            return browser
        } catch {
            await browser.endDriver()
            throw BrowserError("Chromium could not start through chromedriver: \(error)")
        }
    }

    /// The WebDriver session id, set once the session exists.
    private let session = Mutex("")

    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let status = try? await command(.GET, "/status"), status["ready"] == .bool(true) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BrowserError("chromedriver was not ready within 15 s")
    }

    /// Runs `body` with a fresh browser and quits it afterwards, whether
    /// `body` returns or throws, so no Chromium outlives its test.
    public static func run<T: Sendable>(
        width: Int = 480, height: Int = 360, _ body: (Browser) async throws -> T
    ) async throws -> T {
        let browser = try await start(width: width, height: height)
        do {
            let result = try await body(browser)
            await browser.quit()
            return result
        } catch {
            await browser.quit()
            throw error
        }
    }

    /// One WebDriver command; returns its `value`, or throws the driver's error.
    @discardableResult
    func command(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        } else if method == .POST {
            request.body = .bytes(ByteBuffer(string: "{}"))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard let json = try? JSONValue.parse(bytes.readableBytesView) else {
            throw BrowserError("chromedriver answered \(response.status.code) without JSON")
        }
        let value = json["value"] ?? .null
        guard response.status.code == 200 else {
            throw BrowserError("\(path): \(value["error"]?.stringValue ?? "error"): \(value["message"]?.stringValue ?? "")")
        }
        return value
    }

    private var sessionPath: String { "/session/\(session.withLock { $0 })" }

    public func navigate(_ url: String) async throws {
        try await command(.POST, sessionPath + "/url", .object([("url", .string(url))]))
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its result.
    @discardableResult
    public func execute(_ script: String, _ args: [JSONValue] = []) async throws -> JSONValue {
        try await command(.POST, sessionPath + "/execute/sync", .object([("script", .string(script)), ("args", .array(args))]))
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1](result)` when done.
    public func executeAsync(_ script: String, _ args: [JSONValue] = []) async throws -> JSONValue {
        try await command(.POST, sessionPath + "/execute/async", .object([("script", .string(script)), ("args", .array(args))]))
    }

    /// Polls `expression` every 50 ms until it is truthy; returns its last
    /// value, truthy or not, when `timeout` passes.
    @discardableResult
    public func wait(for expression: String, timeout: Duration = .seconds(10)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while true {
            let value = try await execute("return (\(expression));")
            let truthy = value != .null && value != .bool(false) && value != .string("") && value != .number("0")
            if truthy || ContinuousClock.now >= deadline { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Switches into the page's `index`-th frame, or back to the top page with nil.
    public func frame(_ index: Int?) async throws {
        try await command(.POST, sessionPath + "/frame", .object([("id", index.map { .number(String($0)) } ?? .null)]))
    }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        guard let text = try await command(.GET, sessionPath + "/screenshot").stringValue, let data = Data(base64Encoded: text) else {
            throw BrowserError("no screenshot")
        }
        return data
    }

    /// Ends the session (Chromium quits), then chromedriver by its own
    /// `/shutdown`, and by its pid if it is still there after 2 s. (SIGTERM
    /// is no use: the test process ignores it for its signal handling, and a
    /// child inherits that.)
    public func quit() async {
        _ = try? await command(.DELETE, sessionPath)
        await endDriver()
    }

    private func endDriver() async {
        _ = try? await command(.GET, "/shutdown")
        var status: Int32 = 0
        for _ in 0..<40 {
            if waitpid(driverPID, &status, WNOHANG) != 0 { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        kill(driverPID, SIGKILL)
        waitpid(driverPID, &status, 0)
    }
}

/// Why the browser could not be driven.
public struct BrowserError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
