import AsyncAlgorithms
import Hummingbird
import NIOCore
import ServerSentEvents
import ServiceLifecycle
import Synchronization

/// Writes a stream of encoded event-stream frames to a response body, with heartbeats on idle.
///
/// The producer and the heartbeat hand frames to the one writing loop through a channel that holds
/// none: each `send` waits until the loop has taken the frame, and the loop takes the next only after
/// the body writer accepted the last one. A client that stops reading therefore stops the producer,
/// with at most one frame per sender in flight.
///
/// The stream ends when the frames end, or cleanly when the server shuts down gracefully.
struct ServerSentEventStreamWriter<Frames: AsyncSequence & Sendable>: Sendable where Frames.Element == ByteBuffer {
    let frames: Frames
    let configuration: ServerSentEventStreamConfiguration

    /// Writes the preamble, then every frame and heartbeat until `frames` ends. If `frames` throws,
    /// `abort` is fired with the error, so a write blocked on a client that does not read is cancelled.
    func write(to writer: inout any ResponseBodyWriter, abort: ServerSentEventStreamCloser) async throws {
        var preamble: [UInt8] = []
        let encoder = ServerSentEventEncoder()
        if let comment = configuration.initialComment { encoder.encodeComment(comment, into: &preamble) }
        if let retry = configuration.initialRetry { try encoder.encodeRetry(retry, into: &preamble) }
        if !preamble.isEmpty { try await writer.write(ByteBuffer(bytes: preamble)) }

        if configuration.heartbeatInterval == nil && configuration.pullsEventsOnWritingTask {
            // The writing loop pulls frames itself, with no task or channel between the source and
            // the socket. On graceful shutdown the loop is stopped and the response finished.
            try await withGracefulShutdownHandler {
                do {
                    for try await frame in frames { try await writer.write(frame) }
                } catch {
                    abort.fire(.sourceFailed(error))
                    throw error
                }
            } onGracefulShutdown: {
                abort.fire(.gracefulShutdown)
            }
            return
        }

        let lastWrite = LastWriteTime()
        let channel = AsyncChannel<ByteBuffer>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { channel.finish() }
                do {
                    for try await frame in frames {
                        await channel.send(frame)
                    }
                } catch {
                    abort.fire(.sourceFailed(error))
                    throw error
                }
            }
            if let interval = configuration.heartbeatInterval {
                var heartbeatBytes: [UInt8] = []
                encoder.encodeComment(configuration.heartbeatComment, into: &heartbeatBytes)
                let heartbeat = ByteBuffer(bytes: heartbeatBytes)
                group.addTask {
                    // Cancellation is how this task ends, not an error of the stream: sleeps are `try?`.
                    while !Task.isCancelled {
                        let due = lastWrite.instant + interval
                        if ContinuousClock.now >= due {
                            await channel.send(heartbeat)
                            // Until the loop writes it, `lastWrite` is old: wait a full interval.
                            try? await Task.sleep(for: interval)
                        } else {
                            try? await Task.sleep(until: due, clock: .continuous)
                        }
                    }
                }
            }
            // On the server's graceful shutdown (a ServiceLifecycle service group) the stream ends
            // cleanly, so the server's connections drain and it can stop.
            try await withGracefulShutdownHandler {
                for await frame in channel {
                    try await writer.write(frame)
                    lastWrite.instant = .now
                }
            } onGracefulShutdown: {
                channel.finish()
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}

/// When the stream last wrote, shared by the writing loop and the heartbeat task.
private final class LastWriteTime: Sendable {
    private let value = Mutex(ContinuousClock.now)

    var instant: ContinuousClock.Instant {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
