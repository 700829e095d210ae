import DequeModule
import NIOCore
import Synchronization

/// Stores and dispatches publishes in arrival order, in batches: publishes that arrive while a batch
/// is being stored wait, and are then stored together (one statement and one commit for all of
/// them) and dispatched in order.
///
/// Order matters because replay hands over to live delivery by sequence number, which is only sound
/// if no update is dispatched before one stored earlier. Batching matters because storing is a hop
/// to the store's thread and back: one per batch rather than one per publish.
final class PublishBatcher: Sendable {
    /// What a batch does: stores the updates and dispatches them, returning them stored, in order.
    typealias Operation = @Sendable ([PendingUpdate]) async throws -> [StoredUpdate]

    /// An update waiting to be stored, with its encoded event.
    struct PendingUpdate: Sendable {
        let update: Update
        let frame: ByteBuffer
    }

    private struct Waiting {
        let pending: PendingUpdate
        let continuation: CheckedContinuation<StoredUpdate, any Error>
    }

    private struct State {
        var waiting: Deque<Waiting> = []
        /// Whether a task is storing batches; it takes whatever waits until nothing does.
        var isDraining = false

        /// Makes the caller the one that drains, if nobody does yet.
        mutating func startDraining() -> Bool {
            guard !isDraining else { return false }
            isDraining = true
            return true
        }
    }

    /// The most updates stored in one batch, which bounds one statement's size.
    static let maximumBatch = 256

    private let state = Mutex(State())

    /// Stores and dispatches `update` after every publish that arrived before it. Every caller passes
    /// the same `operation`; the one that finds the batcher idle runs it, for its own update at once
    /// (no hop to another task when publishes come one at a time), then for whatever queued meanwhile.
    func publish(_ update: Update, frame: ByteBuffer, using operation: @escaping Operation) async throws -> StoredUpdate {
        let pending = PendingUpdate(update: update, frame: frame)
        if state.withLock({ $0.startDraining() }) {
            // Whatever arrives meanwhile is stored by a task of its own: this publisher is answered
            // as soon as its update is stored.
            defer { drainInTheBackground(using: operation) }
            return try await store([pending], using: operation)[0]
        }
        return try await withCheckedThrowingContinuation { continuation in
            let startsDraining = state.withLock { state -> Bool in
                state.waiting.append(Waiting(pending: pending, continuation: continuation))
                return state.startDraining()
            }
            if startsDraining { Task { await self.drain(using: operation) } }
        }
    }

    /// Stops draining if nothing waits, or drains what does in a task of its own.
    private func drainInTheBackground(using operation: @escaping Operation) {
        let hasWaiting = state.withLock { state -> Bool in
            if state.waiting.isEmpty { state.isDraining = false }
            return !state.waiting.isEmpty
        }
        if hasWaiting { Task { await self.drain(using: operation) } }
    }

    private func drain(using operation: Operation) async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let count = min(state.waiting.count, Self.maximumBatch)
                if count == 0 { state.isDraining = false }
                defer { state.waiting.removeFirst(count) }
                return Array(state.waiting.prefix(count))
            }
            guard !batch.isEmpty else { return }
            do {
                let stored = try await store(batch.map(\.pending), using: operation)
                for (waiting, update) in zip(batch, stored) { waiting.continuation.resume(returning: update) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }

    /// Runs `operation` for `batch`, and checks that it answered one stored update per publish: a
    /// short answer would leave publishers waiting forever.
    private func store(_ batch: [PendingUpdate], using operation: Operation) async throws -> [StoredUpdate] {
        let stored = try await operation(batch)
        guard stored.count == batch.count else {
            throw EventStoreError("the store answered \(stored.count) updates for a batch of \(batch.count)")
        }
        return stored
    }
}
