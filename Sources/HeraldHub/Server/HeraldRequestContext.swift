public import Hummingbird
package import NIOCore

/// The request context of Herald's server: hummingbird's basic context, plus the request's
/// connection, to which the hub writes a live subscriber's updates from the connection's event loop
/// (no task wakes up, and no hop between threads, per delivery).
public struct HeraldRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's connection; on HTTP/2, the request's stream. For the hub's own routes.
    package let channel: any Channel
    /// Whether the request came on an HTTP/2 stream.
    public let isHTTP2: Bool

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        // A connection is a child of the listening socket; an HTTP/2 stream is a child of a connection.
        self.isHTTP2 = source.channel.parent?.parent != nil
    }
}
