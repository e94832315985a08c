import Foundation
import SluiceCore
import SluiceCrypto
import Yams

extension SluiceConfiguration {
    /// Reads `file` (if given and present) and then the `SLUICE_*` variables of
    /// `environment`. A bad setting throws `invalid_configuration` naming it.
    public static func load(file: String?, environment: [String: String], requireFile: Bool = false) throws(SluiceError) -> SluiceConfiguration {
        var config = SluiceConfiguration()
        if let file {
            if FileManager.default.fileExists(atPath: file) {
                let text: String
                do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                    throw .invalidConfiguration("\(file): cannot be read")
                }
                try config.apply(yaml: text, source: file, environment: environment)
            } else if requireFile {
                throw .invalidConfiguration("\(file): no such file")
            }
        }
        try config.apply(environment: environment)
        return config
    }

    static let knownKeys: Set<String> = [
        "listen", "database", "policies", "public_url", "heartbeat_seconds", "retry_ms", "retention", "limits",
        "jwt_issuers", "share_tokens", "policy_poll_seconds", "key_refresh_seconds", "log_level", "cors_origins",
        // Security (issue 9).
        "session", "change_feed_poll_seconds",
        "log_format",
        "request_head_timeout_seconds", "keep_alive_idle_seconds",
        "webhooks",
        // Performance (issue 16).
        "pipeline_read_ahead",
    ]

    mutating func apply(yaml text: String, source: String, environment: [String: String]) throws(SluiceError) {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch {
            throw .invalidConfiguration("\(source): not valid YAML")
        }
        guard let root = loaded as? [String: Any] else {
            if loaded == nil { return }
            throw .invalidConfiguration("\(source): the top level must be a mapping")
        }
        let reader = SettingReader(source: source)
        for key in root.keys where !SluiceConfiguration.knownKeys.contains(key) {
            throw .invalidConfiguration("\(source): unknown setting '\(key)'")
        }
        if let v = root["listen"] { try setListen(try reader.string(v, "listen"), name: "listen") }
        if let v = root["database"] { try applyDatabase(yaml: v, reader: reader) }
        if let v = root["policies"] { policies = try reader.string(v, "policies") }
        if let v = root["public_url"], !(v is NSNull) { publicURL = try reader.string(v, "public_url") }
        if let v = root["heartbeat_seconds"] { heartbeatSeconds = try reader.positiveDouble(v, "heartbeat_seconds") }
        if let v = root["retry_ms"] { retryMilliseconds = try reader.positiveInt(v, "retry_ms") }
        if let v = root["policy_poll_seconds"] { policyPollSeconds = try reader.positiveDouble(v, "policy_poll_seconds") }
        if let v = root["key_refresh_seconds"] { keyRefreshSeconds = try reader.positiveDouble(v, "key_refresh_seconds") }
        if let v = root["log_level"] { logLevel = try reader.logLevel(v, "log_level") }
        if let v = root["log_format"] { logFormat = try reader.logFormat(v, "log_format") }
        if let v = root["cors_origins"] { corsOrigins = try reader.strings(v, "cors_origins") }
        // Performance (issue 16).
        if let v = root["pipeline_read_ahead"] { pipelineReadAhead = try reader.optionalPositiveInt(v, "pipeline_read_ahead") ?? 0 }
        // Security (issue 9).
        if let v = root["change_feed_poll_seconds"] {
            changeFeedPollSeconds = try reader.positiveDouble(v, "change_feed_poll_seconds")
            guard changeFeedPollSeconds <= 0.5 else { throw .invalidConfiguration("\(source): change_feed_poll_seconds is at most 0.5") }
        }
        if let v = root["session"] {
            let section = try reader.mapping(v, "session", keys: ["allowed_origins"])
            if let m = section["allowed_origins"], !(m is NSNull) {
                sessionAllowedOrigins = try SluiceConfiguration.origins(
                    try reader.strings(m, "session.allowed_origins"), name: "\(source): session.allowed_origins")
            }
        }
        if let v = root["request_head_timeout_seconds"] {
            requestHeadTimeoutSeconds = try reader.positiveDouble(v, "request_head_timeout_seconds")
        }
        if let v = root["keep_alive_idle_seconds"] { keepAliveIdleSeconds = try reader.positiveDouble(v, "keep_alive_idle_seconds") }
        if let v = root["retention"] {
            let section = try reader.mapping(v, "retention", keys: ["max_events", "max_age_seconds", "interval_seconds"])
            if let m = section["max_events"] { retentionMaxEvents = try reader.optionalPositiveInt(m, "retention.max_events") }
            if let m = section["max_age_seconds"] { retentionMaxAgeSeconds = try reader.optionalPositiveInt(m, "retention.max_age_seconds") }
            if let m = section["interval_seconds"] { retentionIntervalSeconds = try reader.positiveDouble(m, "retention.interval_seconds") }
        }
        if let v = root["limits"] {
            let section = try reader.mapping(
                v, "limits",
                keys: [
                    "max_event_bytes", "max_request_bytes", "max_batch_events", "subscriber_queue_frames", "subscriber_queue_bytes",
                    "replay_page",
                    "circle_events_per_second", "circle_streams",
                    "max_connections",
                ])
            if let m = section["max_event_bytes"] { limits.maximumEventBytes = try reader.positiveInt(m, "limits.max_event_bytes") }
            if let m = section["max_request_bytes"] { limits.maximumRequestBytes = try reader.positiveInt(m, "limits.max_request_bytes") }
            if let m = section["max_batch_events"] { limits.maximumBatchCount = try reader.positiveInt(m, "limits.max_batch_events") }
            if let m = section["subscriber_queue_frames"] { hub.queueFrames = try reader.positiveInt(m, "limits.subscriber_queue_frames") }
            if let m = section["subscriber_queue_bytes"] { hub.queueBytes = try reader.positiveInt(m, "limits.subscriber_queue_bytes") }
            if let m = section["replay_page"] { hub.replayPage = try reader.positiveInt(m, "limits.replay_page") }
            if let m = section["circle_events_per_second"] {
                fairness.eventsPerSecond = try reader.positiveInt(m, "limits.circle_events_per_second")
            }
            if let m = section["circle_streams"] { fairness.streams = try reader.positiveInt(m, "limits.circle_streams") }
            if let m = section["max_connections"] { maxConnections = try reader.optionalPositiveInt(m, "limits.max_connections") }
        }
        if let v = root["jwt_issuers"], !(v is NSNull) {
            guard let list = v as? [Any] else { throw .invalidConfiguration("\(source): jwt_issuers must be a list") }
            for (i, item) in list.enumerated() {
                let name = "jwt_issuers[\(i)]"
                let section = try reader.mapping(item, name, keys: ["issuer", "audience", "keys"])
                guard let iss = section["issuer"] else { throw .invalidConfiguration("\(source): \(name).issuer is required") }
                let audience = try section["audience"].map { v throws(SluiceError) in try reader.string(v, "\(name).audience") }
                guard let keyList = section["keys"] as? [Any], !keyList.isEmpty else {
                    throw .invalidConfiguration("\(source): \(name).keys must be a non-empty list")
                }
                var keys: [JWTKey] = []
                for (k, keyItem) in keyList.enumerated() {
                    keys.append(try reader.jwtKey(keyItem, "\(name).keys[\(k)]", environment: environment, publicOnly: true))
                }
                issuers.append(Issuer(issuer: try reader.string(iss, "\(name).issuer"), audience: audience, keys: keys))
            }
        }
        if let v = root["share_tokens"] {
            let section = try reader.mapping(v, "share_tokens", keys: ["max_ttl_seconds", "default_ttl_seconds", "default_max_connections", "keys"])
            if let m = section["max_ttl_seconds"] { shareMaxTTLSeconds = try reader.positiveInt(m, "share_tokens.max_ttl_seconds") }
            if let m = section["default_ttl_seconds"] { shareDefaultTTLSeconds = try reader.positiveInt(m, "share_tokens.default_ttl_seconds") }
            if let m = section["default_max_connections"] {
                shareDefaultMaxConnections = try reader.positiveInt(m, "share_tokens.default_max_connections")
            }
            if let m = section["keys"], !(m is NSNull) {
                guard let keyList = m as? [Any] else { throw .invalidConfiguration("\(source): share_tokens.keys must be a list") }
                for (k, keyItem) in keyList.enumerated() {
                    let key = try reader.jwtKey(keyItem, "share_tokens.keys[\(k)]", environment: environment, publicOnly: false)
                    guard key.algorithm == .hs256, key.id != nil else {
                        throw .invalidConfiguration("\(source): share_tokens.keys[\(k)] must be HS256 with a kid")
                    }
                    shareKeys.append(key)
                }
            }
        }
        try applyWebhooks(yaml: root, reader: reader)
        guard shareDefaultTTLSeconds <= shareMaxTTLSeconds else {
            throw .invalidConfiguration("\(source): share_tokens.default_ttl_seconds is over share_tokens.max_ttl_seconds")
        }
    }

    mutating func apply(environment env: [String: String]) throws(SluiceError) {
        let reader = SettingReader(source: "environment")
        if let v = env["SLUICE_LISTEN"] { try setListen(v, name: "SLUICE_LISTEN") }
        try applyDatabase(environment: env, reader: reader)
        if let v = env["SLUICE_POLICIES"] { policies = v }
        if let v = env["SLUICE_PUBLIC_URL"] { publicURL = v }
        if let v = env["SLUICE_LOG_LEVEL"] { logLevel = try reader.logLevel(v, "SLUICE_LOG_LEVEL") }
        if let v = env["SLUICE_LOG_FORMAT"] { logFormat = try reader.logFormat(v, "SLUICE_LOG_FORMAT") }
        if let v = env["SLUICE_HEARTBEAT_SECONDS"] { heartbeatSeconds = try reader.positiveDouble(v, "SLUICE_HEARTBEAT_SECONDS") }
        if let v = env["SLUICE_RETENTION_MAX_EVENTS"] {
            retentionMaxEvents = try reader.optionalPositiveInt(v, "SLUICE_RETENTION_MAX_EVENTS")
        }
        // Security (issue 9).
        if let v = env["SLUICE_SESSION_ALLOWED_ORIGINS"] {
            let list = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            sessionAllowedOrigins = try SluiceConfiguration.origins(list, name: "SLUICE_SESSION_ALLOWED_ORIGINS")
        }
        if let v = env["SLUICE_LIMITS_CIRCLE_EVENTS_PER_SECOND"] {
            fairness.eventsPerSecond = try reader.positiveInt(v, "SLUICE_LIMITS_CIRCLE_EVENTS_PER_SECOND")
        }
        if let v = env["SLUICE_LIMITS_CIRCLE_STREAMS"] { fairness.streams = try reader.positiveInt(v, "SLUICE_LIMITS_CIRCLE_STREAMS") }
        if let v = env["SLUICE_REQUEST_HEAD_TIMEOUT_SECONDS"] {
            requestHeadTimeoutSeconds = try reader.positiveDouble(v, "SLUICE_REQUEST_HEAD_TIMEOUT_SECONDS")
        }
        if let v = env["SLUICE_LIMITS_MAX_CONNECTIONS"] {
            maxConnections = try reader.optionalPositiveInt(v, "SLUICE_LIMITS_MAX_CONNECTIONS")
        }
        if let v = env["SLUICE_PIPELINE_READ_AHEAD"] {
            pipelineReadAhead = try reader.optionalPositiveInt(v, "SLUICE_PIPELINE_READ_AHEAD") ?? 0
        }
        if let v = env["SLUICE_ADMIN_KEY"] {
            guard let key = APIKeyToken(parsing: v) else {
                throw .invalidConfiguration("SLUICE_ADMIN_KEY is not a well-formed key (slk_<12 chars>_<40 chars>)")
            }
            adminKey = key
        }
        if let issuer = env["SLUICE_JWT_ISSUER"] {
            var keys: [JWTKey] = []
            if let secret = env["SLUICE_JWT_HS256_SECRET"] {
                do { keys.append(try JWTKey(id: nil, algorithm: .hs256, material: Array(secret.utf8))) } catch {
                    throw .invalidConfiguration("SLUICE_JWT_HS256_SECRET: \(error.reason)")
                }
            }
            if let file = env["SLUICE_JWT_PUBLIC_KEY_FILE"] {
                keys.append(try reader.pemKey(file: file, algorithm: nil, id: nil, name: "SLUICE_JWT_PUBLIC_KEY_FILE"))
            }
            guard !keys.isEmpty else {
                throw .invalidConfiguration("SLUICE_JWT_ISSUER needs SLUICE_JWT_HS256_SECRET or SLUICE_JWT_PUBLIC_KEY_FILE")
            }
            issuers.append(Issuer(issuer: issuer, audience: env["SLUICE_JWT_AUDIENCE"], keys: keys))
        }
        try applyWebhooks(environment: env, reader: reader)
    }

    /// Origins in their serialized form; a value that is not one stops start-up.
    static func origins(_ list: [String], name: String) throws(SluiceError) -> [String] {
        var result: [String] = []
        for text in list {
            guard let origin = WebOrigin.normalized(text) else {
                throw .invalidConfiguration("\(name): '\(String(text.prefix(80)))' is not an origin such as https://portal.example")
            }
            result.append(origin)
        }
        return result
    }

    mutating func setListen(_ value: String, name: String) throws(SluiceError) {
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]), (0...65535).contains(port) else {
            throw .invalidConfiguration("\(name) must be HOST:PORT, such as 127.0.0.1:8080")
        }
        let host = String(value[..<colon])
        guard !host.isEmpty else { throw .invalidConfiguration("\(name) must be HOST:PORT, such as 127.0.0.1:8080") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
    }
}
