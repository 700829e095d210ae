import NIOCore
import Synchronization

/// Counters every connection updates, read by the progress line.
final class BenchProgress: Sendable {
    let connected = Atomic(0)
    let failed = Atomic(0)
    let delivered = Atomic(0)
    let published = Atomic(0)
    /// Monotonic time of the latest delivery.
    let lastDelivery = Atomic<UInt64>(0)
    /// Why the first subscriber that failed before its answer failed.
    let firstFailure = Mutex<String?>(nil)
}

/// What one subscriber saw.
struct SubscriberStats: Sendable {
    var received = 0
    var duplicated = 0
    var reordered = 0
    var malformed = 0
    /// Publish-to-receive latencies, in microseconds.
    var latencies: [UInt32] = []
    var status: UInt = 0
    fileprivate var seen: [UInt64] = []
    fileprivate var highest = -1

    /// Counts message `sequence`: a duplicate if seen before, reordered if below one already seen.
    mutating func record(sequence: Int, latencyMicroseconds: UInt32) {
        let word = sequence >> 6
        if word >= seen.count { seen += [UInt64](repeating: 0, count: word - seen.count + 1) }
        let bit = UInt64(1) << UInt64(sequence & 63)
        if seen[word] & bit != 0 {
            duplicated += 1
            return
        }
        seen[word] |= bit
        received += 1
        if sequence < highest { reordered += 1 }
        highest = max(highest, sequence)
        latencies.append(latencyMicroseconds)
    }
}

/// One SSE subscriber connection: sends the GET, reads the response raw (``BenchResponseDecoder``),
/// and records each message (`data: SEQUENCE,SEND_TIME_NANOSECONDS`). Its state lives on its
/// channel's event loop.
final class BenchSubscriberHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let target: BenchTarget
    private let path: String
    private let headers: [(String, String)]
    private let progress: BenchProgress
    private var decoder = BenchResponseDecoder()
    private var scanner = BenchMessageScanner()
    /// Read only on the channel's event loop (see ``stats(on:)``).
    private(set) var stats = SubscriberStats()
    private var opened = false
    /// Counted as failed for closing before any answer.
    private var failedEarly = false

    init(target: BenchTarget, path: String, headers: [(String, String)], progress: BenchProgress) {
        self.target = target
        self.path = path
        self.headers = headers
        self.progress = progress
    }

    func channelActive(context: ChannelHandlerContext) {
        var request = "GET \(path) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let now = monotonicNanoseconds()
        let before = stats.received
        var refused = false
        let outcome = buffer.withUnsafeReadableBytes { bytes in
            decoder.decode(bytes) { status in
                stats.status = status
                if status == 200 {
                    opened = true
                    progress.connected.add(1, ordering: .relaxed)
                } else {
                    refused = true
                    progress.failed.add(1, ordering: .relaxed)
                }
            } body: { body in
                guard !refused else { return }
                scanner.scan(body) { sequence, sentAt in
                    let latency = now > sentAt ? (now - sentAt) / 1000 : 0
                    stats.record(sequence: sequence, latencyMicroseconds: UInt32(clamping: latency))
                } malformed: {
                    stats.malformed += 1
                }
            }
        }
        let delivered = stats.received - before
        if delivered > 0 {
            progress.delivered.add(delivered, ordering: .relaxed)
            progress.lastDelivery.store(now, ordering: .relaxed)
        }
        switch outcome {
        case .open:
            if refused { context.close(promise: nil) }
        case .ended:
            context.close(promise: nil)
        case .malformed:
            if !opened && !refused { progress.failed.add(1, ordering: .relaxed) }
            stats.malformed += 1
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if opened { progress.connected.subtract(1, ordering: .relaxed) }
        // Closed before any answer (a failed TLS handshake, a reset): a failure, or the run would
        // wait for it to connect.
        if stats.status == 0 && !failedEarly {
            failedEarly = true
            progress.failed.add(1, ordering: .relaxed)
        }
        opened = false
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if stats.status == 0 { progress.firstFailure.withLock { $0 = $0 ?? "\(error)" } }
        context.close(promise: nil)
    }

    /// The subscriber's stats, read on its event loop.
    func stats(on eventLoop: any EventLoop) async throws -> SubscriberStats {
        try await eventLoop.submit { self.stats }.get()
    }
}
