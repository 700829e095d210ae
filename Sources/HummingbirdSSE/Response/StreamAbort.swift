import Synchronization

/// Ends a response's writing from outside it: when the client closes its side, or when the stream's
/// source fails while a write is blocked on a client that stopped reading.
///
/// A write blocked on a full socket only returns when its task is cancelled, so ``run(_:)`` runs
/// the writing in a child task and cancels it on ``fire(_:)``.
final class StreamAbort: Sendable {
    enum Reason: Sendable {
        case clientClosed
        case sourceFailed(any Error)
    }

    private let reason = Mutex<Reason?>(nil)
    private let barrier: AsyncStream<Void>
    private let barrierEnd: AsyncStream<Void>.Continuation

    init() {
        (barrier, barrierEnd) = AsyncStream.makeStream()
    }

    /// Stops the running operation; the first reason given wins.
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
        case nil: nil
        }
    }
}

private struct UncheckedSendableOperation: @unchecked Sendable {
    let operation: () async throws -> Void
}
