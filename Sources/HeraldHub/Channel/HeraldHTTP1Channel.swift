import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Herald's HTTP/1.1 connections: hummingbird's, except that a connection whose first request
/// subscribes to the hub is served by the hub from the connection's event loop, with no task left
/// waiting on it (``FirstRequestRouter``, ``DirectSubscriberStream``).
struct HeraldHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    /// A connection, and who serves it once its first request is read.
    struct Connection: ServerChildChannelValue {
        let channel: any Channel
        let route: EventLoopFuture<FirstRequestRouter.Route>
    }

    let responder: HTTPChannelHandler.Responder
    /// Serves the subscribers taken from hummingbird; `nil` without a hub.
    let subscribers: DirectSubscriberStream?
    /// The limits every request head is held to before it is decoded.
    let limits: RequestLimits
    /// Counts the open connections, when someone wants to know.
    let connections: ConnectionCounter?

    /// What a connection reads into: 512 bytes at first, grown as reads fill it.
    ///
    /// NIO keeps a connection's receive buffer for its next read for as long as the connection
    /// lasts. At NIO's default first size, 2 KiB, that buffer was a third of what an idle subscriber
    /// costs; a subscribe request fits in 512 bytes, and a publisher's larger bodies grow the buffer
    /// within a few reads.
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)

    /// A plain (unencrypted) HTTP/1.1 connection.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        connections?.count(channel)
        do {
            try channel.syncOptions?.setOption(.recvAllocator, value: Self.receiveBuffers)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return setupProtocol(channel: channel, logger: logger, secure: false)
    }

    /// The pipeline of hummingbird's `HTTP1Channel`, with the router before its request handling,
    /// after whatever carries the bytes (nothing, or TLS).
    func setupProtocol(channel: any Channel, logger: Logger, secure: Bool) -> EventLoopFuture<Connection> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // The head's limits, answered with their own statuses, come before the decoder's, which
            // are set above them and only back them up.
            let headGuard = RequestHeadGuard(limits: self.limits)
            try pipeline.addHandler(headGuard)
            let decoder = HTTP1Channel.Configuration().httpDecoder
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = max(decoder.maxHeaderFieldSize, self.limits.maximumHeadBytes + 1)
            limits.maxHeaderListSize = max(decoder.maxHeaderListSize, self.limits.maximumHeadBytes + 1)
            limits.maxHeaderFieldCount = decoder.maxHeaderFieldCount
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // NIOAsyncChannel handles pipelined requests
                withErrorHandling: false,  // hummingbird answers malformed requests itself
                withOutboundHeaderValidation: false,  // HTTPTypes validated the fields already
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits
            )
            try pipeline.addHandler(RequestEndObserver(guard: headGuard))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
            let route = channel.eventLoop.makePromise(of: FirstRequestRouter.Route.self)
            let subscribers = self.subscribers
            try pipeline.addHandler(
                FirstRequestRouter(route: route, isSubscribeRequest: { subscribers != nil && DirectSubscriberStream.isSubscribeRequest($0) }) {
                    request,
                    channel in
                    subscribers?.serve(request, on: channel)
                }
            )
            if let subscribers { try pipeline.addHandler(DirectPublishHandler(hub: subscribers)) }
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return Connection(channel: channel, route: route.futureResult)
        }
    }

    /// Waits for the route; serves the connection with hummingbird if it is hummingbird's.
    func handle(value connection: Connection, logger: Logger) async {
        guard case .hummingbird? = try? await connection.route.get() else { return }
        let channel = connection.channel
        let asyncChannel = try? await channel.eventLoop.submit { () -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>? in
            // A connection closed meanwhile would never tell hummingbird's handler it closed.
            guard channel.isActive else { return nil }
            let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                wrappingChannelSynchronously: channel,
                configuration: .init(isOutboundHalfClosureEnabled: true)
            )
            if let context = try? channel.pipeline.syncOperations.context(handlerType: FirstRequestRouter.self),
                let router = context.handler as? FirstRequestRouter
            {
                router.passOn(context: context)
            }
            return asyncChannel
        }.get()
        guard let asyncChannel = asyncChannel ?? nil else {
            channel.close(promise: nil)
            return
        }
        await withTaskExecutorPreference(EventLoopTaskExecutor(channel.eventLoop)) {
            await handleHTTP(asyncChannel: asyncChannel, logger: logger)
        }
    }
}
