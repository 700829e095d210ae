import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers publish requests on the connection's event loop, in front of hummingbird: a publisher
/// that waits for each answer before sending the next update waits for the store and the fan-out,
/// not also for hummingbird's request and response types, router and async channel, which cost
/// more than the rest of a publish.
///
/// It takes only the plain case: `POST` of the hub's path over HTTP/1.1, with a `Content-Length`
/// within the hub's limit, no `Expect`, no `Connection: close`, and nothing of hummingbird's still
/// being answered on the connection. Everything else (a chunked or oversized body, whose refusal
/// must not read it; other routes; pipelined requests behind one of hummingbird's) goes on to
/// hummingbird, which answers it as the publish route always has.
///
/// Answers keep the connection's order: while a publish is answered, what the client sends next
/// is held here and no more is read.
final class DirectPublishHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Requests go to hummingbird unless one is taken.
        case passing
        /// A publish taken: its body so far.
        case reading(HTTPRequest, ByteBuffer)
        /// A publish being stored; what the client sends meanwhile is held.
        case answering
    }

    private enum HeldEvent {
        case read(HTTPRequestPart)
        case readComplete
        /// Such as the server's request to wind down, which hummingbird's connection handler, unaware
        /// of the publish, would answer by closing the connection before the publisher is answered.
        case userEvent(Any)
    }

    /// The body buffer a taken publish starts with, at most.
    static let firstBodyCapacity = 16 << 10

    private let hub: DirectSubscriberStream
    private let maximumBody: Int
    private var state = State.passing
    /// Requests passed on to hummingbird that it has not finished answering.
    private var requestsWithHummingbird = 0
    private var held: [HeldEvent] = []
    /// Whether the pipeline asked for a read while a publish was answered.
    private var readRequested = false

    /// - Parameter hub: Answers the publishes, and knows the headers every response carries.
    init(hub: DirectSubscriberStream) {
        self.hub = hub
        self.maximumBody = hub.routes.hub.configuration.maximumPublishBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        read(unwrapInboundIn(data), context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .answering = state {
            held.append(.readComplete)
        } else {
            context.fireChannelReadComplete()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch state {
        case .passing: context.fireUserInboundEventTriggered(event)
        case .reading, .answering: held.append(.userEvent(event))
        }
    }

    func read(context: ChannelHandlerContext) {
        if case .answering = state {
            readRequested = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { requestsWithHummingbird = max(requestsWithHummingbird - 1, 0) }
        context.write(data, promise: promise)
    }

    private func read(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.answering, _):
            held.append(.read(part))
        case (.passing, .head(let request)):
            if requestsWithHummingbird == 0, let length = bodyLengthIfTaken(request) {
                // Grown as the body arrives: a head that announces a large body and never sends
                // it holds no more than a small buffer.
                state = .reading(request, context.channel.allocator.buffer(capacity: min(length, Self.firstBodyCapacity)))
            } else {
                requestsWithHummingbird += 1
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.reading(let request, var body), .body(var bytes)):
            // The decoder holds the body to its `Content-Length`, which is within the limit.
            state = .passing
            body.writeBuffer(&bytes)
            state = .reading(request, body)
        case (.reading(let request, let body), .end):
            state = .answering
            answer(request, body: body, context: context)
        case (.reading, .head):
            // The decoder never starts a request before the last one ends.
            context.close(promise: nil)
        case (.passing, _):
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// The length of `request`'s body if the hub answers it here; `nil` if hummingbird does.
    private func bodyLengthIfTaken(_ request: HTTPRequest) -> Int? {
        guard request.method == .post, MercureRoutes.targetsTheHub(request),
            let length = request.headerFields[.contentLength].flatMap({ Int($0) }), length <= maximumBody,
            request.headerFields[.expect] == nil, request.headerFields[.transferEncoding] == nil,
            !request.headerFields[values: .connection].contains(where: { $0.lowercased().contains("close") })
        else { return nil }
        return length
    }

    /// Publishes on a task that prefers the connection's event loop, so that storing and fanning out
    /// happen on this thread, and answers on the loop.
    private func answer(_ request: HTTPRequest, body: ByteBuffer, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let hub = self.hub
        hub.routes.hub.logger.debug("publish request served by the hub", metadata: ["target": "\(request.path ?? "")"])
        Task(executorPreference: EventLoopTaskExecutor(loop)) {
            let answer = await hub.routes.publish(request, body: body)
            let respond: @Sendable () -> Void = { bound.value.handler.respond(answer, to: request, context: bound.value.context) }
            if loop.inEventLoop { respond() } else { loop.execute(respond) }
        }
    }

    private func respond(_ answer: MercureRoutes.PublishAnswer, to request: HTTPRequest, context: ChannelHandlerContext) {
        let body = context.channel.allocator.buffer(string: answer.text)
        var fields: HTTPFields = [.contentType: "text/plain; charset=utf-8", .contentLength: String(body.readableBytes)]
        hub.addCommonHeaders(to: &fields, for: request)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        state = .passing
        // What came meanwhile, in order, until another publish is taken from it.
        var events = held[...]
        held = []
        while let event = events.popFirst() {
            if case .answering = state {
                held.append(event)
                held.append(contentsOf: events)
                return
            }
            switch event {
            case .read(let part): read(part, context: context)
            case .readComplete: context.fireChannelReadComplete()
            case .userEvent(let event): context.fireUserInboundEventTriggered(event)
            }
        }
        if case .answering = state { return }
        if readRequested {
            readRequested = false
            context.read()
        }
    }
}
