import NIOCore
import NIOPosix

/// A plain TCP connection to a local test server, for what an HTTP client library hides: closing
/// the socket at a chosen moment, or never reading.
struct RawConnection {
    /// Connects to `127.0.0.1:port`, sends `request` and runs `body` with the inbound byte stream;
    /// the socket is closed when `body` returns.
    static func with<Result: Sendable>(
        port: Int,
        request: String,
        receiveBufferSize: Int? = nil,
        _ body: (inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> Result
    ) async throws -> Result {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let receiveBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
        }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(backPressureStrategy: .init(lowWatermark: 1, highWatermark: 2))
                )
            }
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var iterator = inbound.makeAsyncIterator()
            return try await body(&iterator)
        }
    }
}

extension NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator {
    /// Reads until the received text contains `marker`, and returns all the text read.
    mutating func read(until marker: String) async throws -> String {
        var received = ""
        while !received.contains(marker) {
            guard let buffer = try await next() else { break }
            received += String(buffer: buffer)
        }
        return received
    }
}

/// A GET request for `path` as a browser's `EventSource` sends it.
func eventSourceRequest(_ path: String, extraHeaders: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\(extraHeaders)\r\n"
}
