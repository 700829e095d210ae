import ArgumentParser
import NIOSSL

/// How a client command trusts an `https://` hub.
struct TLSClientOptions: ParsableArguments {
    @Option(help: "A PEM file of the certificate authorities to trust for an https:// hub (a private CA); default: the system's (env HERALD_CACERT).")
    var cacert: String?

    /// The TLS configuration to connect with; `nil` for the client's default.
    func configuration() throws -> TLSConfiguration? {
        guard let path = cacert ?? Environment.string("HERALD_CACERT") else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
        } catch {
            throw ValidationError("--cacert \(path) could not be read as PEM certificates: \(error)")
        }
        return tls
    }
}
