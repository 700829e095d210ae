import DequeModule

/// Runs publishes one at a time, in arrival order, so updates reach subscribers in the order the
/// store numbered them: replay hands over to live delivery by sequence number, which is only
/// sound if no update is dispatched before one stored earlier.
actor PublishSequencer {
    private var busy = false
    private var waiting: Deque<CheckedContinuation<Void, Never>> = []

    func run<Value: Sendable>(_ operation: @Sendable () async throws -> Value) async throws -> Value {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if let next = waiting.popFirst() { next.resume() } else { busy = false }
        }
        return try await operation()
    }
}
