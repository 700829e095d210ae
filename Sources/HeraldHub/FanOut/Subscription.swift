import NIOCore
import NIOHTTP1
import NIOSSL
import Prometheus

/// A subscriber's stream, ready to become a response: the history to replay first, then live updates.
struct Subscription: Sendable {
    /// History to replay: updates with sequence numbers in `after…through`.
    struct Replay: Sendable {
        let after: Int64
        let through: Int64
        /// The id of the update at `through`; `nil` when history is empty.
        let throughID: String?
    }

    let lease: SubscriptionLease
    let replay: Replay?
    /// The `Last-Event-ID` response header: the id before the first event sent, or `earliest`.
    let responseLastEventID: String?
    /// The subscriber's connection, when live updates are written to it directly.
    let connection: (any Channel)?

    /// The encoded frames to write.
    var frames: SubscriptionFrames {
        SubscriptionFrames(lease: lease, replay: replay, connection: connection)
    }
}

/// The frames of one subscription: replayed history in pages, then batches of live updates.
struct SubscriptionFrames: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// The most updates, and bytes of events, in a page of history: bounds the memory one replay takes.
    static let historyPageSize = 256
    static let historyPageBytes = 64 * 1024

    let lease: SubscriptionLease
    let replay: Subscription.Replay?
    let connection: (any Channel)?

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lease: lease, historyCursor: replay?.after, historyThrough: replay?.through ?? 0, connection: connection)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let lease: SubscriptionLease
        var historyCursor: Int64?
        let historyThrough: Int64
        let connection: (any Channel)?
        var triedWritingDirectly = false

        mutating func next() async throws -> ByteBuffer? {
            if let batch = try await nextHistoryBatch() { return batch }
            if let connection, !triedWritingDirectly {
                triedWritingDirectly = true
                if try await writeLiveUpdates(to: connection) { return nil }
                // Live on this task after all: the ending reaches it through the queue, and the
                // response ends cleanly rather than with the connection closed.
                lease.subscriber.queue.dropEndHandler()
            }
            switch await lease.subscriber.queue.next(after: historyThrough) {
            case .frames(let batch):
                lease.hub.metrics.bytesSent.increment(by: Int64(batch.readableBytes))
                return batch
            case .ended(.lagging):
                lease.close()
                throw SubscriberLagging()
            case .ended, .cancelled:
                lease.close()
                return nil
            }
        }

        /// The next page of history the subscriber wants, as one buffer; `nil` once history is sent.
        mutating func nextHistoryBatch() async throws -> ByteBuffer? {
            let hub = lease.hub
            while let cursor = historyCursor {
                let page = try await hub.store.updates(
                    after: cursor,
                    through: historyThrough,
                    limit: SubscriptionFrames.historyPageSize,
                    maximumBytes: SubscriptionFrames.historyPageBytes
                )
                guard let last = page.last else {
                    historyCursor = nil
                    break
                }
                historyCursor = last.sequence
                var batch = ByteBuffer()
                for update in page where lease.subscriber.wants(update) {
                    var frame = update.frame
                    batch.writeBuffer(&frame)
                }
                if batch.readableBytes > 0 {
                    hub.metrics.bytesSent.increment(by: Int64(batch.readableBytes))
                    return batch
                }
            }
            return nil
        }

        /// NIO's write buffer of a live subscriber's connection, in bytes: unwritable above `high`.
        static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 4 << 10, high: 16 << 10)

        /// The kernel's send buffer of a live subscriber's connection until the client has drained
        /// it once; then ``HubConfiguration/subscriberSendBufferBytes``.
        static let firstSendBufferBytes = 8 << 10

        /// Once history is sent, on the connection's event loop: adds a ``SubscriberStreamHandler``
        /// next to the socket and hands the live updates to a writer through it.
        func startWritingLive(on connection: any Channel, endOfStream: SubscriberChannelWriter.EndOfStream) throws -> SubscriberChannelWriter {
            let handler = SubscriberStreamHandler()
            // Next to the socket, or, on an HTTPS connection, next to TLS, which must encrypt the chunks.
            let pipeline = connection.pipeline.syncOperations
            if let tls = try? pipeline.handler(type: NIOSSLServerHandler.self) {
                try pipeline.addHandler(handler, position: .after(tls))
            } else {
                try pipeline.addHandler(handler, position: .first)
            }
            // NIO's own buffer in front of the socket: what a client that stops reading takes before
            // its connection turns unwritable. Small, so such a client costs the loop a few writes, not
            // dozens, and what waits for it waits in its queue instead, counted against the hub's
            // bounds and joined into one write once it reads again. A reader that keeps up never gets
            // near it: the kernel's socket buffer takes its bursts.
            try connection.syncOptions?.setOption(.writeBufferWaterMark, value: Self.writeBufferWaterMark)
            if let sendBuffer = lease.hub.configuration.subscriberSendBufferBytes {
                // Small until the client has drained it once: a client that never reads then holds
                // a few updates in the kernel, not dozens, and the hub stops writing to it sooner
                // (beside 2,000 of them, the readers' p99 was 21-22 ms with 64 KiB from the start,
                // 6.9 ms with 8 KiB, against 3.6-4.9 ms alone). A client that reads gets the full
                // buffer the first time it catches up, for bursts and long round trips.
                let first = Swift.min(sendBuffer, Self.firstSendBufferBytes)
                try connection.syncOptions?.setOption(.socketOption(.so_sndbuf), value: SocketOptionValue(first))
                if sendBuffer > first {
                    handler.onFirstDrain = {
                        try? connection.syncOptions?.setOption(.socketOption(.so_sndbuf), value: SocketOptionValue(sendBuffer))
                    }
                }
            }
            let queue = lease.subscriber.queue
            let writer = SubscriberChannelWriter(
                handler: handler,
                coalescer: lease.hub.writeCoalescers.coalescer(for: connection.eventLoop),
                queue: queue,
                skipping: historyThrough,
                bytesSent: lease.hub.metrics.bytesSent,
                endOfStream: endOfStream
            )
            handler.onWritable = { writer.writeQueuedFrames() }
            if case .byTheWriter = endOfStream {
                handler.onConnectionEnding = { queue.end($0) }
                if !connection.isActive { queue.end(.clientClosed) }
            }
            queue.writeDirectly(with: writer)
            return writer
        }
    }
}

extension SubscriptionFrames.AsyncIterator {
    /// Once history is sent: hands live updates to a writer on the connection's event loop, and waits
    /// until the subscription ends, with what is still queued written before the response ends.
    /// Returns `false`, having done nothing, when the connection cannot take chunks written directly
    /// (not HTTP/1, or already gone): the task then writes the live updates itself.
    fileprivate func writeLiveUpdates(to connection: any Channel) async throws -> Bool {
        let queue = lease.subscriber.queue
        // On the event loop, after every write of the stream so far, and before the first direct one.
        let writer = try? await connection.eventLoop.submit { () -> SubscriberChannelWriter? in
            guard (try? connection.pipeline.syncOperations.handler(type: HTTPResponseEncoder.self)) != nil else { return nil }
            return try startWritingLive(on: connection, endOfStream: .byTheStreamTask)
        }.get()
        guard let writer = writer ?? nil else { return false }
        let ending = await queue.ending()
        try? await connection.eventLoop.submit {
            writer.writeQueuedFrames(evenIfUnwritable: true)
            writer.detach()
        }.get()
        lease.close()
        if ending == .lagging { throw SubscriberLagging() }
        return true
    }
}

/// A subscriber fell further behind than its queue holds; its connection is closed, and it can
/// resume from history with `Last-Event-ID`.
struct SubscriberLagging: Error, CustomStringConvertible {
    var description: String { "the subscriber fell further behind than its queue holds" }
}
