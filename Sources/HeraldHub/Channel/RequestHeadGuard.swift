import NIOCore
import NIOHTTP1

/// Enforces ``RequestLimits`` on the bytes of each request head before the HTTP decoder reads them:
/// 414 for a request line past its limit, 431 for a head past its limit, 408 for a head that takes
/// too long, each followed by closing the connection. Bodies pass untouched.
///
/// It sits first in the pipeline, next to the socket, and finds where a head ends by its blank
/// line. Where a body ends and the next head begins it learns from ``RequestEndObserver``, which
/// sees what the decoder reads; so it never has to parse a body's framing.
final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// Between requests: the next byte (past blank lines) starts a head.
        case betweenRequests
        /// Reading a head: how many bytes so far, whether still in the request line, and whether the
        /// last byte ended a line (a line feed, or a carriage return after one).
        case inHead(bytes: Int, inRequestLine: Bool, atLineStart: Bool)
        /// The head is complete: body bytes, and further requests, until the decoder ends the request.
        case inBody
        /// A limit was hit and the connection is closing.
        case refused
    }

    private let limits: RequestLimits
    private var state = State.betweenRequests
    private var headTimer: Scheduled<Void>?

    init(limits: RequestLimits) {
        self.limits = limits
    }

    func channelActive(context: ChannelHandlerContext) {
        // A client that connects and sends nothing holds a connection as a trickling one does.
        startHeadTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        headTimer?.cancel()
        context.fireChannelInactive()
    }

    /// The decoder read a whole head: what follows is its body, until ``requestEnded()``. (The guard
    /// may not have seen that head itself: one that came in the same read as the request before it.)
    func headDecoded() {
        if case .refused = state { return }
        state = .inBody
        stopHeadTimer()
    }

    /// The decoder read the end of a request: whatever comes next starts a new head.
    func requestEnded() {
        if case .inBody = state { state = .betweenRequests }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .refused = state { return }
        if case .inBody = state {
            context.fireChannelRead(data)
            return
        }
        let buffer = unwrapInboundIn(data)
        let verdict = buffer.withUnsafeReadableBytes { scan($0) }
        switch verdict {
        case .refuse(let status, let message):
            refuse(context: context, status: status, message: message)
        case .headStarted:
            startHeadTimer(context: context)
            context.fireChannelRead(data)
        case .headEnded:
            stopHeadTimer()
            context.fireChannelRead(data)
        case .nothing:
            context.fireChannelRead(data)
        }
    }

    private enum Verdict {
        case nothing, headStarted, headEnded
        case refuse(HTTPResponseStatus, String)
    }

    /// Follows the head through `bytes`; what a read changed, or which limit it broke.
    private func scan(_ bytes: UnsafeRawBufferPointer) -> Verdict {
        var started = false
        for byte in bytes {
            switch state {
            case .betweenRequests:
                // Blank lines before a request line are ignored, as RFC 9112 allows.
                if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") { continue }
                state = .inHead(bytes: 1, inRequestLine: true, atLineStart: false)
                started = true
            case .inHead(var count, var inRequestLine, let atLineStart):
                count += 1
                var lineStart = false
                if byte == UInt8(ascii: "\n") {
                    if atLineStart && !inRequestLine {
                        state = .inBody
                        return .headEnded
                    }
                    inRequestLine = false
                    lineStart = true
                } else if byte == UInt8(ascii: "\r") {
                    lineStart = atLineStart
                }
                if inRequestLine && count > limits.maximumRequestLineBytes {
                    return .refuse(.uriTooLong, "the request line is longer than \(limits.maximumRequestLineBytes) bytes")
                }
                if count > limits.maximumHeadBytes {
                    return .refuse(.requestHeaderFieldsTooLarge, "the request head is larger than \(limits.maximumHeadBytes) bytes")
                }
                state = .inHead(bytes: count, inRequestLine: inRequestLine, atLineStart: lineStart)
            case .inBody, .refused:
                return started ? .headStarted : .nothing
            }
        }
        return started ? .headStarted : .nothing
    }

    private func startHeadTimer(context: ChannelHandlerContext) {
        headTimer?.cancel()
        let timeout = limits.headTimeout
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        headTimer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout / .nanoseconds(1)))) {
            let (handler, context) = loopBound.value
            switch handler.state {
            case .betweenRequests, .inHead:
                handler.refuse(context: context, status: .requestTimeout, message: "the request head did not arrive within \(timeout)")
            case .inBody, .refused:
                break
            }
        }
    }

    private func stopHeadTimer() {
        headTimer?.cancel()
        headTimer = nil
    }

    /// Answers `status` with `message` and closes the connection; nothing more is read from it.
    private func refuse(context: ChannelHandlerContext, status: HTTPResponseStatus, message: String) {
        state = .refused
        stopHeadTimer()
        let body = message + "\n"
        let head =
            "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let response = context.channel.allocator.buffer(string: head + body)
        // Closed once the answer is written; the channel, unlike the context, may be used from the
        // callback (it runs on the channel's loop all the same).
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// Tells the ``RequestHeadGuard`` when the decoder has read a request's head and its end.
final class RequestEndObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let guardHandler: RequestHeadGuard

    init(guard guardHandler: RequestHeadGuard) {
        self.guardHandler = guardHandler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: guardHandler.headDecoded()
        case .end: guardHandler.requestEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }
}
