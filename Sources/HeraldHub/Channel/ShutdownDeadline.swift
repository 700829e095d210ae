import NIOCore

/// Closes a connection still open this long after the server asked its connections to wind down.
///
/// An HTTP/2 connection winds down by sending GOAWAY and a PING, and waiting for the client's
/// acknowledgement before it closes; a client gone silent (a laptop asleep, a network gone) never
/// sends one, and the server, waiting for every connection, would never exit.
final class ShutdownDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let delay: TimeAmount
    private var scheduledClose: Scheduled<Void>?

    init(delay: Duration) {
        self.delay = .nanoseconds(Int64(delay / .nanoseconds(1)))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, scheduledClose == nil {
            let channel = context.channel
            scheduledClose = context.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        scheduledClose?.cancel()
        context.fireChannelInactive()
    }
}
