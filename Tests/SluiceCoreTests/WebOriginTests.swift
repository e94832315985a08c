import SluiceCore
import Testing

/// Origins as browsers serialize them: lowercase, default port dropped;
/// anything that can never equal a browser's `Origin` refused.
@Suite struct WebOriginTests {
    @Test(arguments: [
        ("https://example.com", "https://example.com"),
        ("https://A.EXAMPLE", "https://a.example"),
        ("HTTPS://Example.Com:443", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("http://example.com:443", "http://example.com:443"),
        ("https://example.com:8443", "https://example.com:8443"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://localhost", "http://localhost"),
    ])
    func normalized(_ text: String, _ expected: String) {
        #expect(WebOrigin.normalized(text) == expected)
    }

    @Test(arguments: [
        "https://*.example", "https://example.com:99999", "https://example.com:0", "https://example.com/", "https://example.com/path",
        "https://user@example.com", "https://example.com?x=1", "https://example.com#f", "javascript:alert(1)", "ftp://example.com",
        "https://", "example.com", "https://exa mple.com", "https://example..com", "https://example.com:", "https://example.com:8a",
        "null", "https://[::1", "https://ex%41mple.com", "https://exämple.com",
    ])
    func refused(_ text: String) {
        #expect(WebOrigin.normalized(text) == nil)
    }
}
