/// A store that several hubs share, such as one PostgreSQL database behind several nodes.
///
/// Each hub learns of every update, its own included, from the store's log: it reads the updates
/// after the last one it delivered, in sequence order, whenever ``watchAppends(_:)`` wakes it and at
/// least every ``HubConfiguration/sharedLogPollInterval``. So the store must number updates in the
/// order they commit: a reader that has seen sequence `n` must never later find a committed update
/// below `n` that it did not see.
///
/// The store also keeps the cluster's active subscriptions, so the subscriptions API answers the
/// same on every node, and the nodes' heartbeats, so the subscriptions of a node that died are
/// ended by another.
public protocol SharedEventStore: EventStore {
    /// Calls `appended` whenever updates may have been appended, by any hub, until the connection
    /// that watches for them ends (then it returns or throws) or the task is cancelled.
    ///
    /// Wake-ups may be missed or repeated; the hub also reads the log periodically, and after this
    /// returns, so a missed one only delays delivery.
    func watchAppends(_ appended: @escaping @Sendable () -> Void) async throws

    /// Records `subscriptions`, active on `node`.
    func addSubscriptions(_ subscriptions: [ActiveSubscription], node: String) async throws

    /// Forgets the subscriptions of `subscriber`.
    func removeSubscriptions(ofSubscriber subscriber: String) async throws

    /// Every active subscription in the cluster.
    func activeSubscriptions() async throws -> [ActiveSubscription]

    /// Records that `node` is alive; then forgets every node silent for longer than `nodeTimeout`,
    /// and returns their subscriptions, each to exactly one caller, which announces them inactive.
    func heartbeat(node: String, nodeTimeout: Duration) async throws -> [ActiveSubscription]

    /// Forgets `node` and its subscriptions, when it shuts down.
    func removeNode(_ node: String) async throws
}

/// One topic selector of one subscriber, as the cluster's directory of subscriptions keeps it.
public struct ActiveSubscription: Sendable, Hashable {
    public var subscriber: String
    public var topic: String
    /// The subscriber's `mercure.payload` claim, as JSON text.
    public var payload: String?

    public init(subscriber: String, topic: String, payload: String?) {
        self.subscriber = subscriber
        self.topic = topic
        self.payload = payload
    }
}
