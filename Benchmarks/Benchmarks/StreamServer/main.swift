// Serves one event-stream payload, repeated, to every connection as fast as the client reads it.
//   StreamServer PAYLOAD_FILE REPEATS    (prints the port it listens on, on 127.0.0.1)
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    let line = message + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

func readPayload(_ path: String) -> ByteBuffer {
    guard let file = fopen(path, "rb") else { fail("cannot open \(path)") }
    defer { fclose(file) }
    var payload = ByteBuffer()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        payload.writeBytes(chunk[0..<count])
        if count < chunk.count { return payload }
    }
}

/// Answers the request on `connection` with the payload `repeats` times, then closes it. Each write
/// waits for the socket to take the previous one, so memory stays at one payload.
func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, payload: ByteBuffer, repeats: Int) async throws {
    try await connection.executeThenClose { inbound, outbound in
        var received = ""
        var requests = inbound.makeAsyncIterator()
        while !received.contains("\r\n\r\n"), let chunk = try await requests.next() {
            received += String(buffer: chunk)
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
        try await outbound.write(ByteBuffer(string: head))
        for _ in 0..<repeats { try await outbound.write(payload) }
        // Closing now would drop what the socket has not taken yet: half-close after the last byte
        // instead, and let the client close when it has read everything.
        outbound.finish()
        while try await requests.next() != nil {}
    }
}

func main() async throws {
    let arguments = CommandLine.arguments
    guard arguments.count == 3, let repeats = Int(arguments[2]) else { fail("usage: StreamServer PAYLOAD_FILE REPEATS") }
    let payload = readPayload(arguments[1])
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(isOutboundHalfClosureEnabled: true)
                )
            }
        }
    print(server.channel.localAddress!.port!)
    fflush(nil)
    try await withThrowingDiscardingTaskGroup { group in
        try await server.executeThenClose { connections in
            for try await connection in connections {
                group.addTask { try? await serve(connection, payload: payload, repeats: repeats) }
            }
        }
    }
}

try await main()
