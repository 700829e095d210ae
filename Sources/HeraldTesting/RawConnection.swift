import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a server under test, for what an HTTP client library hides: the exact
/// bytes sent and received, a request trickled in pieces, a socket closed at a chosen moment, or a
/// client that stops reading.
///
/// ```swift
/// let connection = try await RawConnection.open(port: hub.port)
/// try await connection.send("GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n")
/// try await connection.waitFor("text/event-stream")
/// await connection.close()
/// ```
public final class RawConnection: Sendable {
    /// When the connection reads what the server sends.
    public enum Reading: Sendable {
        /// As it arrives, as a browser does.
        case continuously
        /// Only while ``waitFor(_:occurrences:timeout:)`` or ``waitForClose(timeout:)`` wait: the
        /// rest of the time the bytes stay in the socket's buffers, as with a client that stopped
        /// reading, and the server's writes soon wait.
        case onlyWhileWaiting
    }

    /// A wait that ran out of time.
    public struct Timeout: Error, CustomStringConvertible {
        /// What was awaited.
        public let awaited: String
        /// Everything received until then.
        public let received: String

        public var description: String {
            "timed out waiting for \(awaited); received \(received.utf8.count) bytes: \(received.prefix(2_000))"
        }
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<[UInt8]>([])
        let closed = Atomic(false)
        /// Whether a wait is under way; with ``Reading/onlyWhileWaiting``, reads are asked for only then.
        let waiting = Atomic(0)
        let reading: Reading

        init(reading: Reading) {
            self.reading = reading
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            if reading == .onlyWhileWaiting, waiting.load(ordering: .acquiring) > 0 { context.read() }
            context.fireChannelReadComplete()
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

    /// Connects to `host:port`.
    ///
    /// - Parameters:
    ///   - host: The server's address.
    ///   - port: The server's port.
    ///   - receiveBufferSize: The socket's receive buffer (`SO_RCVBUF`); small, the server's writes to
    ///     a connection that does not read wait sooner.
    ///   - reading: When to read what the server sends.
    public static func open(
        host: String = "127.0.0.1",
        port: Int,
        receiveBufferSize: Int? = nil,
        reading: Reading = .continuously
    ) async throws -> RawConnection {
        let collector = Collector(reading: reading)
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: reading == .continuously)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
        if let receiveBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
        }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// Sends `text` as it is, in one write.
    public func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Everything received so far, as text.
    public var text: String { String(decoding: collector.received.withLock { $0 }, as: UTF8.self) }

    /// Whether the server closed the connection (seen once read).
    public var isClosed: Bool { collector.closed.load(ordering: .acquiring) }

    /// Waits until what was received contains `expected` at least `occurrences` times; returns
    /// everything received so far.
    ///
    /// - Parameters:
    ///   - expected: The text to wait for.
    ///   - occurrences: How many times it must have been received.
    ///   - timeout: How long to wait at most.
    /// - Throws: ``Timeout`` after `timeout`, or when the server closes the connection first.
    @discardableResult
    public func waitFor(_ expected: String, occurrences: Int = 1, timeout: Duration = .seconds(30)) async throws -> String {
        try await wait(for: occurrences == 1 ? "\"\(expected)\"" : "\(occurrences) × \"\(expected)\"", timeout: timeout) {
            $0.ranges(of: expected).count >= occurrences
        }
    }

    /// Waits until the server closes the connection; returns everything received.
    ///
    /// - Parameter timeout: How long to wait at most.
    /// - Throws: ``Timeout`` after `timeout`.
    @discardableResult
    public func waitForClose(timeout: Duration = .seconds(30)) async throws -> String {
        try await wait(for: "the server to close the connection", timeout: timeout) { _ in self.isClosed }
    }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }

    /// Waits until what was received satisfies `condition` (given everything received so far), or
    /// the connection closes; returns everything received.
    ///
    /// - Parameters:
    ///   - awaited: What is awaited, for the error.
    ///   - timeout: How long to wait at most.
    ///   - condition: Whether the text received so far is what was awaited.
    /// - Throws: ``Timeout`` after `timeout`, or when the server closes the connection first.
    @discardableResult
    public func waitUntil(_ awaited: String, timeout: Duration = .seconds(30), _ condition: (String) -> Bool) async throws -> String {
        try await wait(for: awaited, timeout: timeout, until: condition)
    }

    private func wait(for awaited: String, timeout: Duration, until condition: (String) -> Bool) async throws -> String {
        collector.waiting.add(1, ordering: .releasing)
        defer { collector.waiting.subtract(1, ordering: .releasing) }
        if collector.reading == .onlyWhileWaiting { channel.read() }
        let deadline = ContinuousClock.now + timeout
        while true {
            let closed = isClosed
            let received = text
            if condition(received) { return received }
            if closed || ContinuousClock.now >= deadline { throw Timeout(awaited: awaited, received: received) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
