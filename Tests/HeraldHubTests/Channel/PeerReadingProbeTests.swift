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
    #endif

    // What the probe makes of its readings, as a pass over thousands of subscribers meets them: the
    // windows of a client with a 4 KiB receive buffer that stopped reading after the response head.

    @Test func writePastTheWindowOfTheLastReadingIsBehindBeforeAnyReading() {
        var probe = PeerReadingProbe()
        probe.record(.init(sendWindow: 3842, unsentBytes: 0))
        probe.wrote(2066)
        #expect(probe.readingIsDue)
        // The acknowledgement shows the first write unread, but not yet half the window.
        probe.record(.init(sendWindow: 2048, unsentBytes: 0))
        #expect(!probe.clientIsBehind)
        // The next write's acknowledgement is delayed: the write alone says the client is behind.
        probe.wrote(2066)
        #expect(probe.clientIsBehind)
    }

    /// A client behind is caught up at three quarters of its widest window: one that stopped
    /// reading can sit just above half. Just above half for a second of readings, it counts as
    /// caught up anyway: a receiver advertises a window it read free only once it can double it.
    @Test func clientBehindIsCaughtUpAtThreeQuartersOrAfterASecondAboveHalf() {
        var probe = PeerReadingProbe()
        probe.record(.init(sendWindow: 128_000, unsentBytes: 0))
        probe.record(.init(sendWindow: 60_000, unsentBytes: 0))
        #expect(probe.clientIsBehind)
        probe.record(.init(sendWindow: 100_000, unsentBytes: 0))
        #expect(!probe.clientIsBehind)

        probe.record(.init(sendWindow: 60_000, unsentBytes: 0))
        for _ in 0..<PeerReadingProbe.readingsBeforeWritingAgain {
            // It read 60,000 bytes free, but 88,000 is less than twice 60,000: no window update comes.
            probe.record(.init(sendWindow: 88_000, unsentBytes: 0))
            #expect(probe.clientIsBehind)
        }
        probe.record(.init(sendWindow: 88_000, unsentBytes: 0))
        #expect(!probe.clientIsBehind)
        probe.record(.init(sendWindow: 88_000, unsentBytes: 12))
        #expect(probe.clientIsBehind)
    }

    @Test func smallWindowIsReadAgainAfterHalfOfItIsWrittenAWideOneAfter16KiB() {
        var small = PeerReadingProbe()
        small.record(.init(sendWindow: 4000, unsentBytes: 0))
        small.wrote(100)
        // The first write is always followed by a reading.
        #expect(small.readingIsDue)
        small.record(.init(sendWindow: 4000, unsentBytes: 0))
        small.wrote(1500)
        #expect(!small.readingIsDue)
        small.wrote(600)
        #expect(small.readingIsDue)

        var wide = PeerReadingProbe()
        wide.record(.init(sendWindow: 100_000, unsentBytes: 0))
        wide.wrote(100)
        wide.record(.init(sendWindow: 100_000, unsentBytes: 0))
        wide.wrote(PeerReadingProbe.checkInterval - 1)
        #expect(!wide.readingIsDue)
        wide.wrote(1)
        #expect(wide.readingIsDue)
        #expect(!wide.clientIsBehind)
    }

    @Test func kernelThatReportsNoWindowNeverCountsAClientBehind() {
        var probe = PeerReadingProbe()
        probe.record(.init(sendWindow: 0, unsentBytes: 0))
        probe.wrote(1 << 20)
        probe.record(nil)
        #expect(!probe.clientIsBehind)
    }

    #if os(Linux)

    /// Writes 2 KiB chunks, one every 2 ms, to an accepted connection whose client reads as told,
    /// asking the probe before each; returns after how many writes it said the client was behind,
    /// or `nil` after 40.
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
        for write in 0..<40 {
            let isBehind: Bool
            (probe, isBehind) = try await channel.eventLoop.submit { [probe] in
                var probe = probe
                if probe.clientIsBehind(beforeWritingTo: channel) { return (probe, true) }
                channel.writeAndFlush(chunk, promise: nil)
                probe.wrote(chunk.readableBytes)
                return (probe, false)
            }.get()
            if isBehind {
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
