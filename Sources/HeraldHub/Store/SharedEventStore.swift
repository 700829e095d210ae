/// A store that several hubs share, such as one PostgreSQL database behind several nodes.
///
/// Each hub learns of every update, its own included, from the store's log: it reads the updates
/// after the last one it delivered, in sequence order, whenever ``watchAppends(_:)`` wakes it and at
/// least every ``HubConfiguration/sharedLogPollInterval``. So the store must number updates in the
/// order they commit: a reader that has seen sequence `n` must never later find a committed update
/// below `n` that it did not see.
public protocol SharedEventStore: EventStore {
    /// Calls `appended` whenever updates may have been appended, by any hub, until the connection
    /// that watches for them ends (then it returns or throws) or the task is cancelled.
    ///
    /// Wake-ups may be missed or repeated; the hub also reads the log periodically, and after this
    /// returns, so a missed one only delays delivery.
    func watchAppends(_ appended: @escaping @Sendable () -> Void) async throws
}
