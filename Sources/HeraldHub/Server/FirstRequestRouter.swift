import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Decides who serves a connection, from its first request: a subscribe request is taken by the hub
/// and served from the connection's event loop (``DirectSubscriberStream``); anything else, and
/// every later request, goes to hummingbird.
///
/// A subscriber taken this way costs no task while it waits for updates: hummingbird's task for the
/// connection ends as soon as the route is known. What the connection sends meanwhile is held here
/// and passed on once hummingbird is ready for it; no more is read until then.
final class FirstRequestRouter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Who serves the connection.
    enum Route: Sendable {
        /// Hummingbird, once it has called ``passOn(context:)``.
        case hummingbird
        /// The hub: hummingbird has nothing more to do with the connection.
        case subscriber
        /// Nobody: the connection closed before a request arrived.
        case closed
    }

    private enum State {
        case waitingForRequest
        /// Going to hummingbird: what arrived meanwhile, in order.
        case holding([HeldEvent], readRequested: Bool)
        case subscriber
        case passedOn
    }

    private enum HeldEvent {
        case read(HTTPRequestPart)
        case readComplete
        case userEvent(Any)
        case error(any Error)
    }

    /// Completed once the first request (or the connection's end) shows who serves the connection.
    let route: EventLoopPromise<Route>
    private let isSubscribeRequest: (HTTPRequest) -> Bool
    private let serveSubscriber: (HTTPRequest, any Channel) -> Void
    private var state = State.waitingForRequest

    /// - Parameters:
    ///   - isSubscribeRequest: Whether the hub serves a connection whose first request this is.
    ///   - serveSubscriber: Called on the event loop with that request, once the connection is the hub's.
    init(
        route: EventLoopPromise<Route>,
        isSubscribeRequest: @escaping (HTTPRequest) -> Bool,
        serveSubscriber: @escaping (HTTPRequest, any Channel) -> Void
    ) {
        self.route = route
        self.isSubscribeRequest = isSubscribeRequest
        self.serveSubscriber = serveSubscriber
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch state {
        case .waitingForRequest:
            if case .head(let request) = part, isSubscribeRequest(request) {
                takeForSubscriber(request, context: context)
            } else {
                hold(.read(part))
            }
        case .holding:
            hold(.read(part))
        case .subscriber:
            break  // a subscriber has nothing more to say: anything it sends is dropped
        case .passedOn:
            context.fireChannelRead(data)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch state {
        case .holding: hold(.readComplete)
        case .passedOn: context.fireChannelReadComplete()
        case .waitingForRequest, .subscriber: break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch state {
        case .waitingForRequest, .holding: hold(.userEvent(event))
        case .subscriber, .passedOn: context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .waitingForRequest, .holding: hold(.error(error))
        case .subscriber: context.close(promise: nil)
        case .passedOn: context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .waitingForRequest = state { route.succeed(.closed) }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Never left undecided: hummingbird's task for the connection waits on it.
        route.succeed(.closed)
    }

    func read(context: ChannelHandlerContext) {
        switch state {
        case .holding(let events, _):
            // Nothing more is read until hummingbird takes what is held, which bounds it.
            state = .holding(events, readRequested: true)
        case .waitingForRequest, .subscriber, .passedOn:
            context.read()
        }
    }

    /// On the event loop, once hummingbird's handlers follow this one: passes on what was held, then
    /// leaves the pipeline.
    func passOn(context: ChannelHandlerContext) {
        guard case .holding(let events, let readRequested) = state else { return }
        state = .passedOn
        for event in events {
            switch event {
            case .read(let part): context.fireChannelRead(wrapInboundOut(part))
            case .readComplete: context.fireChannelReadComplete()
            case .userEvent(let event): context.fireUserInboundEventTriggered(event)
            case .error(let error): context.fireErrorCaught(error)
            }
        }
        if readRequested { context.read() }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func hold(_ event: HeldEvent) {
        switch state {
        case .waitingForRequest:
            state = .holding([event], readRequested: false)
            route.succeed(.hummingbird)
        case .holding(var events, let readRequested):
            state = .passedOn  // lets `events` be appended to without a copy
            events.append(event)
            state = .holding(events, readRequested: readRequested)
        case .subscriber, .passedOn:
            break
        }
    }

    private func takeForSubscriber(_ request: HTTPRequest, context: ChannelHandlerContext) {
        state = .subscriber
        // Hummingbird's connection-state handler would close the connection as idle on graceful
        // shutdown, or count the response as one of its own.
        if let stateHandler = try? context.pipeline.syncOperations.handler(type: HTTPConnectionStateHandler.self) {
            context.pipeline.syncOperations.removeHandler(stateHandler, promise: nil)
        }
        route.succeed(.subscriber)
        serveSubscriber(request, context.channel)
    }
}
