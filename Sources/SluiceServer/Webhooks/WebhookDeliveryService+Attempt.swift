import Logging
import SluiceCore
import SluiceCrypto
import SluiceHub
import SluiceStore

extension WebhookDeliveryService {
    /// One attempt at one delivery, and what it leaves in the store.
    func attempt(_ delivery: DeliveryRecord, of hook: WebhookRecord, sender: WebhookSender) async {
        let started = ContinuousClock.now
        let number = delivery.attempts + 1
        do {
            let found = try await store.events(in: hook.circle, after: delivery.sequence - 1, limit: 1)
            guard let event = found.first, event.sequence == delivery.sequence else {
                try await finish(delivery, of: hook, error: "the event is no longer retained")
                return
            }
            guard let body = WebhookBody.render(event, face: hook.face, policies: policies.snapshot) else {
                try await finish(delivery, of: hook, error: "the face no longer allows this event")
                return
            }
            let outcome: RetrySchedule.Outcome
            do {
                _ = try await WebhookTarget.check(hook.url, allowPrivate: settings.allowPrivateTargets)
                let stamp = now()
                let timestamp = stamp.milliseconds / 1000
                let id = String(event.sequence)
                let signature = WebhookSignature.header(id: id, timestamp: timestamp, body: body, secrets: secrets(of: hook, at: stamp))
                outcome = await sender.send(
                    url: hook.url,
                    headers: [("webhook-id", id), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature)],
                    body: body)
            } catch let error as SluiceError {
                outcome = .error("refused: \(error.detail)")
            }
            // Cut short by shutdown: leave it pending, to be sent again after the restart.
            if Task.isCancelled { return }
            metrics.attempt(duration: ContinuousClock.now - started)
            try await record(outcome, attempt: number, delivery: delivery, of: hook)
        } catch {
            logger.error("webhook delivery not recorded", metadata: ["webhook": "\(hook.id)", "error": "\(type(of: error))"])
        }
    }

    /// The secrets that sign now: the current one, and the one before a
    /// rotation for its 24 hours.
    func secrets(of hook: WebhookRecord, at stamp: Timestamp) -> [WebhookSecret] {
        var out: [WebhookSecret] = []
        if let current = WebhookSecret(text: hook.secret) { out.append(current) }
        if let previous = hook.previousSecret, let until = hook.previousSecretUntil, until > stamp,
            let secret = WebhookSecret(text: previous)
        {
            out.append(secret)
        }
        return out
    }

    func record(_ outcome: RetrySchedule.Outcome, attempt number: Int, delivery: DeliveryRecord, of hook: WebhookRecord) async throws {
        let stamp = now()
        let schedule = RetrySchedule(delays: settings.retrySeconds)
        let decision = schedule.decide(attempt: number, outcome: outcome, nowMilliseconds: stamp.milliseconds, jitter: jitter())
        var httpStatus: Int?
        var errorText: String?
        switch outcome {
        case .status(let code, _): httpStatus = code
        case .error(let text): errorText = text
        }
        let result: DeliveryAttempt
        let label: String
        switch decision {
        case .succeeded:
            result = DeliveryAttempt(status: .succeeded, nextAttemptAt: nil, httpStatus: httpStatus, error: nil, at: stamp)
            label = "succeeded"
        case .retry(let at):
            result = DeliveryAttempt(
                status: .pending, nextAttemptAt: Timestamp(milliseconds: at), httpStatus: httpStatus, error: errorText, at: stamp)
            label = "retried"
        case .failed, .gone:
            result = DeliveryAttempt(status: .failed, nextAttemptAt: nil, httpStatus: httpStatus, error: errorText, at: stamp)
            label = "failed"
        }
        let failingSince = try await store.recordAttempt(webhook: hook.id, sequence: delivery.sequence, result)
        metrics.delivery(label)
        logger.debug(
            "webhook attempt",
            metadata: [
                "webhook": "\(hook.id)", "event_id": "\(delivery.sequence)", "attempt": "\(number)", "result": "\(label)",
                "status": "\(httpStatus.map(String.init) ?? errorText ?? "")",
            ])
        if decision == .gone {
            if try await store.disableWebhook(id: hook.id, reason: "gone") {
                logger.notice("webhook disabled: the endpoint answered 410 Gone", metadata: ["webhook": "\(hook.id)"])
            }
        } else if decision != .succeeded,
            RetrySchedule.shouldDisable(failingSinceMilliseconds: failingSince?.milliseconds, nowMilliseconds: stamp.milliseconds)
        {
            if try await store.disableWebhook(id: hook.id, reason: "failing") {
                logger.notice("webhook disabled: every delivery failed for 5 days", metadata: ["webhook": "\(hook.id)"])
            }
        }
    }

    /// Ends a delivery that cannot be made at all, without counting it
    /// against the endpoint.
    func finish(_ delivery: DeliveryRecord, of hook: WebhookRecord, error: String) async throws {
        let result = DeliveryAttempt(status: .failed, nextAttemptAt: nil, httpStatus: nil, error: error, at: now(), countsAsFailure: false)
        _ = try await store.recordAttempt(webhook: hook.id, sequence: delivery.sequence, result)
        metrics.delivery("failed")
    }
}
