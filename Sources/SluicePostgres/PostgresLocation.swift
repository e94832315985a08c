import Foundation
import SluiceCore

/// Where a PostgreSQL database is, from `postgres://USER:PASSWORD@HOST:PORT/DB`
/// (or `postgresql://`), user and password percent-decoded. Refusals never
/// repeat the URL, which holds the password.
struct PostgresLocation: Sendable, Equatable {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String

    init(user: String, password: String?, host: String, port: Int, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    init(url: String) throws(SluiceError) {
        let shape = "database: a PostgreSQL URL is postgres://USER:PASSWORD@HOST:PORT/DB"
        var rest: Substring
        if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else {
            throw .invalidConfiguration(shape)
        }
        guard !rest.contains("?"), !rest.contains("#") else {
            throw .invalidConfiguration("database: a PostgreSQL URL takes no parameters; set database.tls and the other database.* settings")
        }
        guard let slash = rest.lastIndex(of: "/") else { throw .invalidConfiguration(shape) }
        let authority = rest[..<slash]
        guard let name = String(rest[rest.index(after: slash)...]).removingPercentEncoding, !name.isEmpty else {
            throw .invalidConfiguration("database: the PostgreSQL URL names no database after the host")
        }
        guard let at = authority.lastIndex(of: "@") else {
            throw .invalidConfiguration("database: the PostgreSQL URL names no user (USER:PASSWORD@ before the host)")
        }
        let credentials = authority[..<at]
        let endpoint = authority[authority.index(after: at)...]
        let userText = credentials.firstIndex(of: ":").map { credentials[..<$0] } ?? credentials
        guard let user = String(userText).removingPercentEncoding, !user.isEmpty else {
            throw .invalidConfiguration("database: the PostgreSQL URL names no user (USER:PASSWORD@ before the host)")
        }
        var password: String?
        if let colon = credentials.firstIndex(of: ":") {
            guard let decoded = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding else {
                throw .invalidConfiguration("database: the password in the PostgreSQL URL is not well percent-encoded")
            }
            password = decoded
        }
        let (host, port) = try PostgresLocation.endpoint(endpoint)
        self.init(user: user, password: password, host: host, port: port, database: name)
    }

    /// `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`; the port defaults to 5432.
    private static func endpoint(_ text: Substring) throws(SluiceError) -> (String, Int) {
        var host = text
        var port = 5432
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("]") {
            guard let number = Int(text[text.index(after: colon)...]), (1...65535).contains(number) else {
                throw .invalidConfiguration("database: the port in the PostgreSQL URL must be a number from 1 to 65535")
            }
            port = number
            host = text[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains("/") else { throw .invalidConfiguration("database: the PostgreSQL URL names no host") }
        return (String(host), port)
    }
}
