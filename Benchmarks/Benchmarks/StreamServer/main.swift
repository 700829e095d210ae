// Serves one event-stream payload, repeated, to every connection as fast as the client reads it.
//   StreamServer PAYLOAD_FILE REPEATS    (prints the port it listens on, on 127.0.0.1)
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3, let repeats = Int(arguments[2]), let file = fopen(arguments[1], "rb") else {
    fputs("usage: StreamServer PAYLOAD_FILE REPEATS\n", stderr)
    exit(2)
}
var payload = ByteBuffer()
var chunk = [UInt8](repeating: 0, count: 1 << 16)
while true {
    let count = fread(&chunk, 1, chunk.count, file)
    payload.writeBytes(chunk[0..<count])
    if count < chunk.count { break }
}
fclose(file)

/// Answers the first request on a connection with the payload `repeats` times, then closes.
final class StreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let payload: ByteBuffer
    let repeats: Int
    var received = ""
    var answered = false

    init(payload: ByteBuffer, repeats: Int) {
        self.payload = payload
        self.repeats = repeats
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += String(buffer: unwrapInboundIn(data))
        guard !answered, received.contains("\r\n\r\n") else { return }
        answered = true
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
        context.write(wrapOutboundOut(ByteBuffer(string: head)), promise: nil)
        send(remaining: repeats, context: context)
    }

    /// Writes one copy at a time, waiting for each to be written, so memory stays at one payload.
    private func send(remaining: Int, context: ChannelHandlerContext) {
        guard remaining > 0 else {
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(payload)).whenComplete { result in
            switch result {
            case .success: self.send(remaining: remaining - 1, context: context)
            case .failure: context.close(promise: nil)
            }
        }
    }
}

let server = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(StreamHandler(payload: payload, repeats: repeats))
        }
    }
    .bind(host: "127.0.0.1", port: 0)
    .wait()
print(server.localAddress!.port!)
fflush(stdout)
try server.closeFuture.wait()
