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
    private var state = StateMachine<HeldEvent>()

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
        var startsSubscription = false
        if case .head(let request) = part, state.isUndecided { startsSubscription = isSubscribeRequest(request) }
        switch state.requestPart(.read(part), startsSubscription: startsSubscription) {
        case .takeForSubscriber:
            if case .head(let request) = part { takeForSubscriber(request, context: context) }
        case .hold(let decided): if decided { route.succeed(.hummingbird) }
        case .forward: context.fireChannelRead(data)
        case .drop, .close: break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        perform(state.otherInbound(.readComplete, isReadComplete: true), context: context) { $0.fireChannelReadComplete() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        perform(state.otherInbound(.userEvent(event)), context: context) { $0.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(state.otherInbound(.error(error), isError: true), context: context) { $0.fireErrorCaught(error) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state.isUndecided { route.succeed(.closed) }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Never left undecided: hummingbird's task for the connection waits on it.
        route.succeed(.closed)
    }

    func read(context: ChannelHandlerContext) {
        if state.read() == .read { context.read() }
    }

    /// On the event loop, once hummingbird's handlers follow this one: passes on what was held, then
    /// leaves the pipeline.
    func passOn(context: ChannelHandlerContext) {
        guard let (held, readRequested) = state.passOn() else { return }
        for event in held {
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

    /// Does what the state machine says for an inbound event other than a request part.
    private func perform(_ action: StateMachine<HeldEvent>.InboundAction, context: ChannelHandlerContext, forward: (ChannelHandlerContext) -> Void) {
        switch action {
        case .hold(let decided): if decided { route.succeed(.hummingbird) }
        case .forward: forward(context)
        case .close: context.close(promise: nil)
        case .drop, .takeForSubscriber: break
        }
    }

    private func takeForSubscriber(_ request: HTTPRequest, context: ChannelHandlerContext) {
        // Hummingbird's connection-state handler would close the connection as idle on graceful
        // shutdown, or count the response as one of its own.
        if let stateHandler = try? context.pipeline.syncOperations.handler(type: HTTPConnectionStateHandler.self) {
            context.pipeline.syncOperations.removeHandler(stateHandler, promise: nil)
        }
        route.succeed(.subscriber)
        serveSubscriber(request, context.channel)
    }
}
