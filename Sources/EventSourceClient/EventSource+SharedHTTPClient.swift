public import AsyncHTTPClient
import NIOCore
public import NIOSSL

extension EventSource {
    /// The HTTP client event sources use unless given another, configured for long-lived streams.
    ///
    /// It differs from `HTTPClient.shared` where an event source needs it to: a failed connection is
    /// reported at once instead of being retried inside the client (the event source has its own
    /// reconnection delay and backoff), there is no socket read timeout (see
    /// ``Configuration/readTimeout``), connecting gives up after 10 seconds, and up to 20 redirects are
    /// followed. It lives for the whole process and is never shut down.
    public static let sharedHTTPClient: HTTPClient = makeHTTPClient()

    /// A new HTTP client configured as ``sharedHTTPClient`` is, with `tls` for `https://` URLs (to
    /// trust a private certificate authority, say). Shut it down when done with it.
    public static func makeHTTPClient(tls: TLSConfiguration? = nil) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .follow(max: 20, allowCycles: false),
            timeout: .init(connect: .seconds(10), read: nil)
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
