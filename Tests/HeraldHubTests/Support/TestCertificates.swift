import AsyncHTTPClient
import Foundation
import HeraldHub
import NIOSSL

/// The test certificate authority and the server certificate it signed (Fixtures/tls), and an HTTP
/// client that trusts it.
enum TestCertificates {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tls")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The server's TLS configuration, from the PEM files as `herald serve --tls-cert --tls-key` reads them.
    static func serverConfiguration() throws -> TLSConfiguration {
        try HeraldServer.Configuration.tls(certificateChainPEMFile: path("server.pem"), privateKeyPEMFile: path("server-key.pem"))
    }

    /// A client trusting the test CA only, for `https` URLs: it speaks HTTP/2 where the server offers it.
    static let httpsClient: HTTPClient = {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates((try? NIOSSLCertificate.fromPEMFile(path("ca.pem"))) ?? [])
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }()

    /// The client for `url`: the shared one, or the one trusting the test CA for `https`.
    static func client(for url: String) -> HTTPClient {
        url.hasPrefix("https:") ? httpsClient : HTTPClient.shared
    }
}
