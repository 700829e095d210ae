import Synchronization

/// Closes a server-sent events response's connection from outside the stream, at once: even while
/// a write waits on a client that stopped reading, which ending the event sequence cannot interrupt.
///
/// A server that drops slow subscribers calls ``close(because:)`` when one falls too far behind.
/// Pass it to ``HummingbirdCore/Response/serverSentEvents(encodedFrames:for:configuration:headers:closer:)``.
public final class ServerSentEventStreamCloser: Sendable {
    /// Why a response's writing is stopped.
    public enum Reason: Sendable {
        /// The client closed its side of the connection.
        case clientClosed
        /// ``close(because:)`` was called, or the event source threw: the connection is closed.
        case sourceFailed(any Error)
        /// The server shuts down gracefully: the response is finished after the writing stops.
        case gracefulShutdown
    }

    private struct State {
        var reason: Reason?
        /// The task running the writing, while ``run(_:)`` runs.
        var operation: Task<Void, any Error>?
    }

    private let state = Mutex(State())
    private let interrupt: (@Sendable (Reason) -> Void)?

    /// Creates a closer for one response, which runs the writing in a task of its own and stops it by
    /// cancelling that task.
    public init() {
        self.interrupt = nil
    }

    /// Creates a closer for one response, which runs the writing on the response's own task (no
    /// task of its own, whose memory would stay for as long as the stream lasts) and stops it by
    /// calling `interrupt` once, with the first reason.
    ///
    /// `interrupt` must make the writing return soon: end the events' source, and for
    /// ``Reason/sourceFailed(_:)`` close the connection, since a write may be waiting on a client
    /// that stopped reading.
    public init(interruptingWith interrupt: @escaping @Sendable (Reason) -> Void) {
        self.interrupt = interrupt
    }

    /// Closes the response's connection; the body ends with `error`. Calling it before the response
    /// starts closes it as soon as it does; later calls do nothing.
    public func close(because error: any Error) {
        fire(.sourceFailed(error))
    }

    /// Stops the running operation (a blocked write included); the first reason given wins. For a
    /// server that learns of the reason elsewhere, such as Herald's hub when an HTTP/2 stream is
    /// reset.
    package func fire(_ reason: Reason) {
        let (operation, isFirst) = state.withLock { state -> (Task<Void, any Error>?, Bool) in
            let isFirst = state.reason == nil
            if isFirst { state.reason = reason }
            return (state.operation, isFirst)
        }
        if let interrupt {
            if isFirst { interrupt(reason) }
        } else {
            operation?.cancel()
        }
    }

    /// Runs `operation` until it returns or ``fire(_:)`` is called.
    ///
    /// - Throws: What `operation` throws; on `.sourceFailed(error)`, `error`; on `.clientClosed`,
    ///   `CancellationError`.
    func run(_ operation: () async throws -> Void) async throws {
        if interrupt != nil {
            do {
                try await operation()
            } catch {
                throw self.reasonError ?? error
            }
            return
        }
        try await withoutActuallyEscaping(operation) { operation in
            // The operation is awaited before this function returns, so it does not outlive what it
            // captures. It runs in a task of its own (one per response, not a group of two) so that
            // `fire` can cancel it.
            let escaped = UncheckedSendableOperation(operation: operation)
            let task = Task { try await escaped.operation() }
            let firedAlready = state.withLock { state -> Bool in
                state.operation = task
                return state.reason != nil
            }
            if firedAlready { task.cancel() }
            defer { state.withLock { $0.operation = nil } }
            do {
                try await withTaskCancellationHandler {
                    try await task.value
                } onCancel: {
                    task.cancel()
                }
            } catch {
                throw self.reasonError ?? error
            }
        }
    }

    private var reasonError: (any Error)? {
        switch state.withLock({ $0.reason }) {
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
