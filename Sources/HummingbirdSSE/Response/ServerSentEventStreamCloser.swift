import Synchronization

/// Closes a server-sent events response's connection from outside the stream, at once: even while
/// a write waits on a client that stopped reading, which ending the event sequence cannot interrupt.
///
/// A server that drops slow subscribers calls ``close(because:)`` when one falls too far behind.
/// Pass it to ``HummingbirdCore/Response/serverSentEvents(encodedFrames:for:configuration:headers:closer:)``.
public final class ServerSentEventStreamCloser: Sendable {
    enum Reason: Sendable {
        case clientClosed
        case sourceFailed(any Error)
        /// The server shuts down gracefully: the response is finished after the writing stops.
        case gracefulShutdown
    }

    private let reason = Mutex<Reason?>(nil)
    private let barrier: AsyncStream<Void>
    private let barrierEnd: AsyncStream<Void>.Continuation

    /// Creates a closer for one response.
    public init() {
        (barrier, barrierEnd) = AsyncStream.makeStream()
    }

    /// Closes the response's connection; the body ends with `error`. Calling it before the response
    /// starts closes it as soon as it does; later calls do nothing.
    public func close(because error: any Error) {
        fire(.sourceFailed(error))
    }

    /// Stops the running operation (a blocked write included); the first reason given wins.
    func fire(_ reason: Reason) {
        self.reason.withLock { if $0 == nil { $0 = reason } }
        barrierEnd.finish()
    }

    /// Runs `operation` until it returns or ``fire(_:)`` is called.
    ///
    /// - Throws: What `operation` throws; on `.sourceFailed(error)`, `error`; on `.clientClosed`,
    ///   `CancellationError`.
    func run(_ operation: () async throws -> Void) async throws {
        try await withoutActuallyEscaping(operation) { operation in
            // The operation is awaited before this function returns, so it does not outlive what it captures.
            let escaped = UncheckedSendableOperation(operation: operation)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    var iterator = self.barrier.makeAsyncIterator()
                    _ = await iterator.next()
                    return false
                }
                group.addTask {
                    try await escaped.operation()
                    return true
                }
                let finished: Bool
                do {
                    finished = try await group.next() ?? false
                } catch {
                    group.cancelAll()
                    throw self.reasonError ?? error
                }
                group.cancelAll()
                if !finished {
                    // Let the cancelled write return before deciding what to report.
                    while let _ = try? await group.next() {}
                    throw self.reasonError ?? CancellationError()
                }
            }
        }
    }

    private var reasonError: (any Error)? {
        switch reason.withLock({ $0 }) {
        case .sourceFailed(let error): error
        case .clientClosed: CancellationError()
        case .gracefulShutdown: StoppedForGracefulShutdown()
        case nil: nil
        }
    }
}

private struct UncheckedSendableOperation: @unchecked Sendable {
    let operation: () async throws -> Void
}

/// The writing was stopped for the server's graceful shutdown; the response is then finished cleanly.
struct StoppedForGracefulShutdown: Error {}
