public import Hummingbird
public import NIOCore

/// The request context of Herald's server: hummingbird's basic context, plus the event loop of the
/// request's connection, on which the hub writes a subscriber's stream (no hop between threads per
/// write).
public struct HeraldRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The event loop of the request's connection.
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.eventLoop = source.channel.eventLoop
    }
}
