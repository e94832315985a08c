import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore

/// Sends one attempt with the delivery service's single HTTP client:
/// redirects are not followed (a 3xx is a failure), the whole attempt is
/// bounded by the timeout, and at most `responseLimit` bytes of the answer
/// are read, then dropped: a response body is never logged or stored.
struct WebhookSender: Sendable {
    let client: HTTPClient
    let timeout: TimeAmount
    let now: @Sendable () -> Timestamp

    static let responseLimit = 4096

    static func clientConfiguration(timeoutSeconds: Double) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: amount(timeoutSeconds), read: amount(timeoutSeconds)))
        configuration.decompression = .disabled
        return configuration
    }

    static func amount(_ seconds: Double) -> TimeAmount { .milliseconds(Int64((seconds * 1000).rounded())) }

    func send(url: String, headers: [(String, String)], body: [UInt8]) async -> RetrySchedule.Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Sluice-Webhooks/1")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, deadline: .now() + timeout)
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                if read >= WebhookSender.responseLimit { break }
            }
            return .status(Int(response.status.code), retryAfterSeconds: retryAfter(response.headers.first(name: "Retry-After")))
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return .error("timeout")
            default: return .error("connection failed")
            }
        } catch {
            return .error("connection failed")
        }
    }

    /// Seconds, or an HTTP date turned into seconds from now.
    func retryAfter(_ text: String?) -> Int64? {
        guard let text else { return nil }
        if let seconds = RetrySchedule.retryAfterSeconds(text) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        let seconds = (date.timeIntervalSince1970 * 1000 - Double(now().milliseconds)) / 1000
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int64(min(seconds, Double(RetrySchedule.longestRetryAfterSeconds)))
    }
}
