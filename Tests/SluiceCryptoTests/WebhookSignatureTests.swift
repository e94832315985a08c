import Foundation
import SluiceCrypto
import Testing

/// Standard Webhooks signatures, checked against the test vector the
/// specification's reference libraries share.
@Suite struct WebhookSignatureTests {
    let secret = WebhookSecret(text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!
    let body = Array(#"{"test": 2432232314}"#.utf8)

    @Test func matchesTheReferenceVector() {
        let signature = WebhookSignature.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func verifiesAnyOfSeveralAndRefusesTampering() {
        let other = WebhookSecret.generate()
        let header = WebhookSignature.header(id: "42", timestamp: 1000, body: body, secrets: [other, secret])
        #expect(header.split(separator: " ").count == 2)
        #expect(WebhookSignature.verify(header: header, id: "42", timestamp: 1000, body: body, secret: secret))
        #expect(WebhookSignature.verify(header: header, id: "42", timestamp: 1000, body: body, secret: other))
        #expect(!WebhookSignature.verify(header: header, id: "43", timestamp: 1000, body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: header, id: "42", timestamp: 1001, body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: header, id: "42", timestamp: 1000, body: body + [0x20], secret: secret))
    }

    @Test func generatedSecretsHaveTheStandardForm() {
        let a = WebhookSecret.generate()
        let b = WebhookSecret.generate()
        #expect(a.text.hasPrefix("whsec_"))
        #expect(a.key.count == 32)
        #expect(a != b)
        #expect(WebhookSecret(text: a.text) == a)
        #expect("\(a)" == "whsec_***")
        #expect(WebhookSecret(text: "whsec_") == nil)
        #expect(WebhookSecret(text: "sk_abc") == nil)
        #expect(WebhookSecret(text: "whsec_!!!") == nil)
    }
}
