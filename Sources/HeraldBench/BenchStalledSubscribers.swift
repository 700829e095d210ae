import NIOCore
import NIOPosix
import NIOSSL

/// Subscribers that connect, send their request, and never read a byte: the clients an isolation
/// scenario puts beside the ones it measures. Their tiny receive buffers fill at once, so what the
/// hub sends them soon waits on the hub's side, where its bounds must hold it.
struct BenchStalledSubscribers {
    private let channels: [any Channel]

    /// Connects `count` of them to `targets` in turn, with `headers` on each request.
    static func connect(
        count: Int,
        to targets: [BenchTarget],
        headers: [(String, String)],
        tls: NIOSSLContext?
    ) async throws -> BenchStalledSubscribers {
        var channels: [any Channel] = []
        channels.reserveCapacity(count)
        for index in 0..<count {
            let target = targets[index % targets.count]
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.autoRead, value: false)
                .channelOption(.socketOption(.so_rcvbuf), value: 4096)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if target.isTLS, let tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil))
                        }
                    }
                }
                .connect(host: target.host, port: target.port).get()
            var request = "GET \(target.path) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\nAccept: text/event-stream\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            request += "\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: request))
            channels.append(channel)
        }
        return BenchStalledSubscribers(channels: channels)
    }

    func close() {
        for channel in channels { channel.close(promise: nil) }
    }
}
