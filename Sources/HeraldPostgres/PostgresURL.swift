import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is and how to reach it, read from a URL as libpq reads one:
/// `postgres://user:password@host:port/database?sslmode=prefer` (`postgresql://` too).
///
/// `sslmode` is libpq's: `disable`; `allow` and `prefer` (the default) use TLS when the server
/// offers it, `require` insists on it, neither checks the certificate; `verify-ca` checks the
/// certificate's chain and `verify-full` its host name too.
public struct PostgresURL: Sendable {
    /// libpq's `sslmode`.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var sslMode: SSLMode

    /// Reads `url`; throws an error that says what is wrong with it.
    public init(_ url: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw PostgresURLError("'\(url)' is not a URL; write postgres://user:password@host:port/database")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError("'\(scheme):' is not a PostgreSQL URL; write postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError("the PostgreSQL URL has no host; write postgres://user:password@host:port/database")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path.removingPercentEncoding
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? SSLMode.prefer.rawValue
        guard let sslMode = SSLMode(rawValue: mode) else {
            let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
            throw PostgresURLError("sslmode=\(mode) is not one of \(modes)")
        }
        self.sslMode = sslMode
    }

    /// The URL with the password hidden, for messages and logs.
    public var redacted: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database ?? "")?sslmode=\(sslMode.rawValue)"
    }

    /// Whether a connection uses TLS under `sslmode`, and what its certificate check is.
    private enum TLSUse {
        case never
        case ifOffered(TLSConfiguration)
        case always(TLSConfiguration)
    }

    /// `sslmode` as libpq reads it: only the verify modes check the certificate.
    private var tlsUse: TLSUse {
        func configuration(_ verification: CertificateVerification) -> TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = verification
            return configuration
        }
        switch sslMode {
        case .disable: return .never
        case .allow, .prefer: return .ifOffered(configuration(.none))
        case .require: return .always(configuration(.none))
        case .verifyCA: return .always(configuration(.noHostnameVerification))
        case .verifyFull: return .always(configuration(.fullVerification))
        }
    }

    /// The configuration of a client (a pool of connections) for this database.
    func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsUse {
        case .never: tls = .disable
        case .ifOffered(let configuration): tls = .prefer(configuration)
        case .always(let configuration): tls = .require(configuration)
        }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The configuration of one connection (the one that listens for notifications).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsUse {
        case .never: tls = .disable
        case .ifOffered(let configuration): tls = .prefer(try NIOSSLContext(configuration: configuration))
        case .always(let configuration): tls = .require(try NIOSSLContext(configuration: configuration))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}

/// A PostgreSQL URL that cannot be used, and why.
public struct PostgresURLError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
