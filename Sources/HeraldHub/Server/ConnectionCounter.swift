import NIOCore
import Synchronization

/// The number of connections the server has open, whatever their protocol: the demo page shows it,
/// and tests read it to see that many streams share one connection.
public final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    /// The connections open now.
    public var open: Int { count.load(ordering: .relaxed) }

    fileprivate func opened() { count.add(1, ordering: .relaxed) }
    fileprivate func closed() { count.subtract(1, ordering: .relaxed) }
}

/// First in a connection's pipeline: counts it from its activation to its end.
final class ConnectionCountingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let counter: ConnectionCounter
    private var counted = false

    init(counter: ConnectionCounter) {
        self.counter = counter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start() }
    }

    func channelActive(context: ChannelHandlerContext) {
        start()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func start() {
        guard !counted else { return }
        counted = true
        counter.opened()
    }

    private func stop() {
        guard counted else { return }
        counted = false
        counter.closed()
    }
}
