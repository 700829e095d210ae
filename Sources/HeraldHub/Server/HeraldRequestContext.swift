public import Hummingbird
public import NIOCore

/// The request context of Herald's server: hummingbird's basic context, plus the request's
/// connection, to which the hub writes a live subscriber's updates from the connection's event loop
/// (no task wakes up, and no hop between threads, per delivery).
public struct HeraldRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's connection.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
