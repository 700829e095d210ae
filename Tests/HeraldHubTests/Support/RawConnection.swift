import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a test server, for tests that care about the exact bytes of HTTP/1.1:
/// what is sent, in what pieces, and what comes back, up to the server closing the connection.
final class RawConnection: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<[UInt8]>([])
        let closed = Atomic(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.store(true, ordering: .releasing)
            context.fireChannelInactive()
        }
    }

    private let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func open(port: Int) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Everything received so far, as text.
    var text: String { String(decoding: collector.received.withLock { $0 }, as: UTF8.self) }

    /// Whether the server closed the connection.
    var isClosed: Bool { collector.closed.load(ordering: .acquiring) }

    /// Waits until what was received contains `expected` (the caller's hang guard bounds the wait);
    /// returns everything received so far.
    @discardableResult
    func waitFor(_ expected: String) async throws -> String {
        try await waitUntil { self.text.contains(expected) }
        return text
    }

    /// Waits until the server closes the connection; returns everything received.
    func waitForClose() async throws -> String {
        try await waitUntil { self.isClosed }
        return text
    }

    func close() async {
        try? await channel.close()
    }
}

/// A client that sends `request` and then reads nothing, with a small receive buffer, so that the
/// server's writes to it soon wait.
func connectClientThatNeverReads(port: Int, sending request: String) async throws -> any Channel {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.autoRead, value: false)
        .channelOption(.socketOption(.so_rcvbuf), value: 4096)
        .connect(host: "127.0.0.1", port: port).get()
    try await channel.writeAndFlush(ByteBuffer(string: request))
    return channel
}
