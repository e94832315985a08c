import Foundation
import SluiceCore
import SluiceStore

/// The database settings (issue 12). `database:` is the URL alone
/// (`database: sqlite:data/sluice.db`), or a mapping with `url`,
/// `pool_size`, `statement_timeout_seconds` and `tls` for PostgreSQL.
extension SluiceConfiguration {
    static let databaseKeys: Set<String> = ["url", "pool_size", "statement_timeout_seconds", "tls"]

    /// The longest statement timeout: a day (PostgreSQL takes milliseconds in 32 bits).
    static let maximumStatementTimeoutSeconds: Double = 86_400

    mutating func applyDatabase(yaml value: Any, reader: SettingReader) throws(SluiceError) {
        guard value is [String: Any] else {
            database = try reader.string(value, "database")
            try checkDatabase("database")
            return
        }
        let section = try reader.mapping(value, "database", keys: SluiceConfiguration.databaseKeys)
        if let m = section["url"] {
            database = try reader.string(m, "database.url")
            try checkDatabase("database.url")
        }
        if let m = section["pool_size"] { databaseOptions.poolSize = try SluiceConfiguration.poolSize(m, reader, "database.pool_size") }
        if let m = section["statement_timeout_seconds"] {
            databaseOptions.statementTimeoutSeconds = try SluiceConfiguration.statementTimeout(m, reader, "database.statement_timeout_seconds")
        }
        if let m = section["tls"] {
            databaseOptions.tls = try SluiceConfiguration.tlsMode(try reader.string(m, "database.tls"), reader, "database.tls")
        }
    }

    /// `SLUICE_DATABASE` and the `SLUICE_DATABASE_*` variables.
    mutating func applyDatabase(environment env: [String: String], reader: SettingReader) throws(SluiceError) {
        if let v = env["SLUICE_DATABASE"] {
            database = v
            try checkDatabase("SLUICE_DATABASE")
        }
        if let v = env["SLUICE_DATABASE_POOL_SIZE"] {
            databaseOptions.poolSize = try SluiceConfiguration.poolSize(v, reader, "SLUICE_DATABASE_POOL_SIZE")
        }
        if let v = env["SLUICE_DATABASE_STATEMENT_TIMEOUT_SECONDS"] {
            databaseOptions.statementTimeoutSeconds = try SluiceConfiguration.statementTimeout(
                v, reader, "SLUICE_DATABASE_STATEMENT_TIMEOUT_SECONDS")
        }
        if let v = env["SLUICE_DATABASE_TLS"] { databaseOptions.tls = try SluiceConfiguration.tlsMode(v, reader, "SLUICE_DATABASE_TLS") }
    }

    /// `sqlite:PATH`, or a `postgres://` / `postgresql://` URL (checked in
    /// full when the store opens; never repeated in an error, since it holds the password).
    func checkDatabase(_ name: String) throws(SluiceError) {
        if let path = sqlitePath {
            guard !path.isEmpty else { throw .invalidConfiguration("\(name) needs a path after sqlite:") }
            return
        }
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") { return }
        throw .invalidConfiguration("\(name) must be sqlite:PATH or a postgres://USER:PASSWORD@HOST:PORT/DB URL")
    }

    static func poolSize(_ value: Any, _ reader: SettingReader, _ name: String) throws(SluiceError) -> Int {
        let size = try reader.positiveInt(value, name)
        guard size <= 1000 else { throw reader.fail(name, "must be at most 1000") }
        return size
    }

    static func statementTimeout(_ value: Any, _ reader: SettingReader, _ name: String) throws(SluiceError) -> Double {
        let seconds = try reader.positiveDouble(value, name)
        guard seconds <= maximumStatementTimeoutSeconds, seconds >= 0.001 else {
            throw reader.fail(name, "must be from 0.001 to \(Int(maximumStatementTimeoutSeconds))")
        }
        return seconds
    }

    static func tlsMode(_ text: String, _ reader: SettingReader, _ name: String) throws(SluiceError) -> DatabaseOptions.TLSMode {
        guard let mode = DatabaseOptions.TLSMode(rawValue: text) else { throw reader.fail(name, "must be disable, prefer or require") }
        return mode
    }
}
