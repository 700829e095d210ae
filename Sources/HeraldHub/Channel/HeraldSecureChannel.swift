import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS

/// Herald's HTTPS connections: TLS, then HTTP/2 when the client offers it by ALPN (browsers do), else
/// HTTP/1.1 with the same pipeline as a plain connection (``HeraldHTTP1Channel``, whose subscribers
/// the hub serves from the event loop).
///
/// On HTTP/2 every request is a stream of one connection, served by hummingbird's HTTP/2 channel: a
/// subscriber is a response written by its task, and its end closes its stream, not the connection.
struct HeraldSecureChannel: ServerChildChannel, HTTPChannelHandler {
    struct Connection: ServerChildChannelValue {
        let channel: any Channel
        let negotiated: EventLoopFuture<NIONegotiatedHTTPVersion<HeraldHTTP1Channel.Connection, HTTP2Channel.Value>>
    }

    private let sslContext: NIOSSLContext
    private let http1: HeraldHTTP1Channel
    private let http2: HTTP2Channel
    private let connections: ConnectionCounter?

    var responder: HTTPChannelHandler.Responder { http1.responder }

    /// How long an HTTP/2 connection waits, on shutdown, for the client to acknowledge the end.
    static let gracefulCloseTimeout = Duration.seconds(5)

    init(tls: TLSConfiguration, http1: HeraldHTTP1Channel, connections: ConnectionCounter?) throws {
        var tls = tls
        tls.applicationProtocols = NIOHTTP2SupportedALPNProtocols
        self.sslContext = try NIOSSLContext(configuration: tls)
        self.http1 = http1
        // Streams get no idle timeout of their own: a subscriber's stream is idle between updates by
        // design. On shutdown a connection waits for the client to acknowledge its GOAWAY, but not
        // forever (``ShutdownDeadline``, and the timeout after the second GOAWAY).
        self.http2 = HTTP2Channel(
            responder: http1.responder,
            configuration: .init(
                gracefulCloseTimeout: Self.gracefulCloseTimeout,
                streamConfiguration: .init(additionalChannelHandlers: [HTTP2FieldFilter()])
            )
        )
        self.connections = connections
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        connections?.count(channel)
        do {
            try channel.syncOptions?.setOption(.recvAllocator, value: HeraldHTTP1Channel.receiveBuffers)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return channel.configureHTTP2AsyncSecureUpgrade { channel in
            http1.setupProtocol(channel: channel, logger: logger, secure: true)
        } http2ConnectionInitializer: { channel in
            do {
                try channel.pipeline.syncOperations.addHandler(ShutdownDeadline(delay: Self.gracefulCloseTimeout))
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
            return http2.setup(channel: channel, logger: logger)
        }.map { Connection(channel: channel, negotiated: $0) }
    }

    func handle(value connection: Connection, logger: Logger) async {
        do {
            switch try await connection.negotiated.get() {
            case .http1_1(let http1Connection): await http1.handle(value: http1Connection, logger: logger)
            case .http2(let http2Connection):
                // Its streams are tasks of this one, so they run on the connection's loop too.
                await withTaskExecutorPreference(EventLoopTaskExecutor(connection.channel.eventLoop)) {
                    await http2.handle(value: http2Connection, logger: logger)
                }
            }
        } catch {
            // A failed handshake: the client offered no protocol or certificate it could agree on.
            logger.debug("TLS or protocol negotiation failed", metadata: ["error": "\(error)"])
        }
    }
}
