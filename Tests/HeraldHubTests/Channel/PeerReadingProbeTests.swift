import HeraldTesting
import NIOCore
import NIOPosix
import Testing

@testable import HeraldHub

/// The probe reads real sockets' TCP windows: a client that reads stays ahead, one that stopped
/// reading is seen behind after a few writes, long before its buffers fill.
@Suite struct PeerReadingProbeTests {
    #if os(Linux)
    @Test func clientThatStopsReadingIsSeenBehindAfterAFewWrites() async throws {
        let writesBeforeBehind = try await writesUntilBehind(reading: .onlyWhileWaiting, receiveBufferSize: 4096)
        #expect(writesBeforeBehind != nil)
        // Its socket buffers take far more than that: this is before they fill.
        #expect((writesBeforeBehind ?? .max) <= 4)
    }

    @Test func clientThatReadsIsNeverSeenBehind() async throws {
        #expect(try await writesUntilBehind(reading: .continuously, receiveBufferSize: nil) == nil)
    }

    /// Writes 2 KiB chunks, one every 2 ms, to an accepted connection whose client reads as told;
    /// returns after how many writes the probe said it was behind, or `nil` after 40.
    private func writesUntilBehind(reading: RawConnection.Reading, receiveBufferSize: Int?) async throws -> Int? {
        let accepted = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: (any Channel).self)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.succeed(channel)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await RawConnection.open(port: server.localAddress!.port!, receiveBufferSize: receiveBufferSize, reading: reading)
        let channel = try await accepted.futureResult.get()
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 2048)
        var probe = try await channel.eventLoop.submit {
            var probe = PeerReadingProbe()
            probe.check(channel)
            return probe
        }.get()
        var behindAfter: Int?
        for write in 1...40 {
            probe = try await channel.eventLoop.submit { [probe] in
                var probe = probe
                channel.writeAndFlush(chunk, promise: nil)
                probe.wrote(chunk.readableBytes, to: channel)
                return probe
            }.get()
            if probe.clientIsBehind {
                behindAfter = write
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        // Closing the client closes the accepted connection too.
        await client.close()
        try? await channel.close()
        try await server.close()
        return behindAfter
    }
    #endif
}
