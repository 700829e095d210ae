import NIOCore
import NIOEmbedded
import Testing

@testable import HeraldHub

@Suite struct SubscriberStreamHandlerTests {
    /// A client earns the full send buffer by draining what it was sent once: one that never reads
    /// keeps the small one, and the hub stops writing to it sooner.
    @Test func firstDrainIsReportedOnceAndOnlyAfterTheConnectionFilled() throws {
        let channel = EmbeddedChannel()
        let handler = SubscriberStreamHandler()
        try channel.pipeline.syncOperations.addHandler(handler)
        var drains = 0
        handler.onFirstDrain = { drains += 1 }
        // Writable from the start, and told so again: nothing was drained.
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(drains == 0)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(drains == 0)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(drains == 1)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(drains == 1)
    }
}
