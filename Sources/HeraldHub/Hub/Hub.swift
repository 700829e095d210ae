import Foundation
import HummingbirdSSE
import JWTKit
public import Logging
import NIOCore
import Prometheus
import ServerSentEvents
public import ServiceLifecycle
import Synchronization

/// The Mercure hub: stores published updates, fans them out to matching subscribers, and replays
/// history to subscribers that reconnect.
///
/// Run it as a service beside the HTTP server (``HeraldServer`` does): on graceful shutdown it ends
/// every subscriber's stream cleanly, so the server's connections can drain.
public final class Hub: Service, Sendable {
    public let configuration: HubConfiguration
    let store: any EventStore
    let publisherTokens: TokenKey
    let subscriberTokens: TokenKey
    let registry = SubscriberRegistry()
    let metrics = HubMetrics()
    let selectors = TopicSelectorCache()
    let writeCoalescers: WriteCoalescers
    let logger: Logger
    private let publishing = PublishBatcher()
    /// With a shared store, how updates reach this hub's subscribers (its own publishes included).
    private let sharedLog: SharedLogFollower?
    /// This hub's name among the nodes sharing its store.
    let nodeID = UpdateIDGenerator.next()
    let background = BackgroundWork()
    /// What waits for all subscribers together, and its bound.
    let backlog: BacklogBudget
    private let isShuttingDown = Atomic(false)

    /// A hub storing its history in `store`. Throws when a configured key cannot be read.
    public init(configuration: HubConfiguration, store: any EventStore, logger: Logger) async throws {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.backlog = BacklogBudget(limit: configuration.subscriberBacklogBytes)
        self.writeCoalescers = WriteCoalescers(
            window: configuration.writeCoalescingWindow,
            waitingLimits: configuration.subscriberQueue
        )
        self.publisherTokens = try await TokenKey(key: configuration.publisherKey)
        self.subscriberTokens = try await TokenKey(key: configuration.subscriberKey)
        if let shared = store as? any SharedEventStore {
            // Delivery starts after what is stored now: older updates are history, for replay.
            let newest = try await shared.newest()?.sequence ?? 0
            self.sharedLog = SharedLogFollower(
                store: shared,
                startingAfter: newest,
                pollInterval: configuration.sharedLogPollInterval,
                logger: logger
            )
        } else {
            self.sharedLog = nil
        }
    }

    /// A token for the publisher key carrying `claims`, such as the one printed at start-up.
    public func makePublisherToken(_ claims: MercureClaims) async throws -> String {
        try await publisherTokens.sign(claims)
    }

    // MARK: - Publishing

    /// Stores `update`, then queues it for every subscriber that matches it.
    @discardableResult
    public func publish(_ update: Update) async throws -> StoredUpdate {
        let event = ServerSentEvent(type: update.type ?? "message", data: update.data, id: update.id, retry: update.retry)
        let frame = ByteBuffer(bytes: try ServerSentEventEncoder().encode(event))
        return try await publishing.publish(update, frame: frame) { batch in try await self.storeAndDispatch(batch) }
    }

    /// Stores a batch of updates in one go, then dispatches them in the order they were stored; with a
    /// shared store, the log follower dispatches them instead, as it does every other node's.
    private func storeAndDispatch(_ batch: [PublishBatcher.PendingUpdate]) async throws -> [StoredUpdate] {
        let stored = try await store.append(contentsOf: batch.map { ($0.update, $0.frame) })
        metrics.updatesPublished.increment(by: Int64(stored.count))
        if let sharedLog {
            sharedLog.wake()
        } else {
            fanOut(stored)
        }
        return stored
    }

    /// Hands stored updates, in sequence order, to every subscriber that matches them.
    private func fanOut(_ stored: [StoredUpdate]) {
        let updates = stored.map(LiveUpdate.init)
        // Each event loop offers the batch to its own subscribers, touching their queues on the
        // thread that writes them, and writes with no further hop. It takes the batches handed
        // over in the order they were stored, all that wait at once.
        for coalescer in registry.coalescers {
            switch coalescer.handover.hand(updates) {
            case .askTheLoop where coalescer.eventLoop.inEventLoop:
                // The publisher's route runs on its connection's loop: when that is this loop, a task
                // would wait for the loop's next pass over its sockets before the dispatch.
                dispatch(coalescer.handover.take(), toSubscribersOf: coalescer)
            case .askTheLoop:
                coalescer.eventLoop.execute { self.dispatch(coalescer.handover.take(), toSubscribersOf: coalescer) }
            case .waitingWithOthers:
                break
            case .overflowed:
                endSubscribers(of: coalescer)
            }
        }
        dispatch(updates, toSubscribersOf: nil)
    }

    /// Ends the subscribers of an event loop that stopped taking updates (it is blocked, or far
    /// behind), as lagging: what they missed was dropped with the updates waiting for the loop, and
    /// they resume from history when they reconnect.
    private func endSubscribers(of coalescer: WriteCoalescer) {
        let subscribers = registry.subscribers(of: coalescer)
        for subscriber in subscribers {
            subscriber.closer.close(because: SubscriberLagging())
            metrics.subscribersDroppedForLag.increment()
        }
        logger.warning("an event loop stopped taking updates: its subscribers were dropped", metadata: ["subscribers": "\(subscribers.count)"])
    }

    /// Offers `updates` to the subscribers of `coalescer`'s event loop (on that loop), or to those with no
    /// connection (`nil`), and has their writers write them.
    private func dispatch(_ updates: [LiveUpdate], toSubscribersOf coalescer: WriteCoalescer?) {
        var writes = coalescer?.startDispatch(of: updates.count) ?? WokenWriters()
        defer { writes.schedule() }
        for update in updates {
            let (delivered, lagging) = registry.dispatch(update, toSubscribersOf: coalescer, writes: &writes)
            metrics.deliveries.increment(by: Int64(delivered))
            for subscriber in lagging {
                close(lagging: subscriber)
                logger.notice("subscriber dropped: it fell behind by more than its queue holds", metadata: ["subscriber": "\(subscriber.id)"])
            }
        }
        if backlog.startShedding() { shedFurthestBehind() }
    }

    /// Closes the connection of `subscriber`, whose queue ended as lagging: its stream may be stuck
    /// in a write to a client that stopped reading, and is not left to notice. On its event loop,
    /// a few at a time between the loop's other work.
    private func close(lagging subscriber: Subscriber) {
        metrics.subscribersDroppedForLag.increment()
        if let coalescer = subscriber.coalescer {
            coalescer.laggards.close(subscriber.closer)
        } else {
            subscriber.closer.close(because: SubscriberLagging())
        }
    }

    /// Drops subscribers as lagging until what waits for all of them is back under four fifths of
    /// the hub-wide bound: first every one whose client is known to have stopped reading (its writer
    /// waits in ``LaggardTurns``), then those with the most waiting; the ones keeping up are not
    /// touched. All of the first at once: they would fill the bound again and be dropped a few
    /// hundred at a time, each drop costing the readers, while every update is queued for each.
    /// (Beside 2,000 clients that never read, this took 14 drops; at once, in alternating runs,
    /// readers had fewer late deliveries in four runs of five.)
    private func shedFurthestBehind() {
        defer { backlog.finishedShedding() }
        let behind = registry.subscribers
            .map { (subscriber: $0, bytes: $0.queue.queuedBytes, stoppedReading: $0.queue.writerIsPaused) }
            .filter { $0.bytes > 0 }
            .sorted { ($0.stoppedReading ? 1 : 0, $0.bytes) > ($1.stoppedReading ? 1 : 0, $1.bytes) }
        var dropped = 0
        for (subscriber, _, stoppedReading) in behind where stoppedReading || backlog.bytes > backlog.sheddingTarget {
            subscriber.queue.shed()
            close(lagging: subscriber)
            dropped += 1
        }
        logger.notice(
            "subscribers dropped: together they held more than the hub's backlog bound",
            metadata: ["dropped": "\(dropped)", "bound": "\(backlog.limit)", "backlog": "\(backlog.bytes)"]
        )
    }

    // MARK: - Subscribing

    /// Registers a subscriber and prepares its stream: history after `lastEventID` (if given), then
    /// live updates, with nothing lost or repeated in between.
    ///
    /// - Parameters:
    ///   - topics: The `topic` selectors of the request (at least one).
    ///   - claims: The subscriber's verified token claims, or `nil` for an anonymous subscriber.
    ///   - lastEventID: Where to resume: an update id, `earliest` for all history, or `nil` for live only.
    ///   - connection: The subscriber's connection, if the server gives it: live updates are then
    ///     written to it from its event loop, and the stream is stopped through its queue.
    func subscribe(
        topics: [String],
        claims: MercureClaims?,
        lastEventID: String?,
        connection: (any Channel)? = nil,
        announced: Bool = true
    ) async throws -> Subscription {
        guard !isShuttingDown.load(ordering: .relaxed) else { throw HubShuttingDown() }
        let queue = SubscriberQueue(
            maximumUpdates: configuration.subscriberQueue.updates,
            maximumBytes: configuration.subscriberQueue.bytes,
            budget: backlog
        )
        let subscriber = Subscriber(
            id: UpdateIDGenerator.next(),
            selectors: selectors.selectors(topics),
            authorizedSelectors: selectors.selectors(claims?.mercure?.subscribe ?? []),
            payload: claims?.mercure?.payload,
            queue: queue,
            closer: connection.map { Self.closer(ending: queue, closing: $0) } ?? ServerSentEventStreamCloser(),
            coalescer: connection.map { writeCoalescers.coalescer(for: $0.eventLoop) }
        )
        // An ending while history is written (a deadline, shutdown) closes the connection: the
        // write may be waiting on a client that stopped reading. Once live, the writer ends it.
        if let connection { queue.onEndBeforeWriter { _ in connection.close(promise: nil) } }
        // Registered before history is read: an update stored after the read arrives live, one stored
        // before is in the history, and live copies of those are skipped by sequence number.
        registry.add(subscriber)
        metrics.subscribersConnected.increment()
        let lease = SubscriptionLease(hub: self, subscriber: subscriber, deadline: deadline(for: claims), announces: announced)
        do {
            var replay: Subscription.Replay?
            var responseLastEventID: String?
            if let lastEventID {
                let newest = try await store.newest()
                let through = newest?.sequence ?? 0
                if lastEventID == "earliest" {
                    replay = .init(after: 0, through: through, throughID: newest?.id)
                    responseLastEventID = "earliest"
                } else if let sequence = try await store.sequence(ofID: lastEventID) {
                    replay = .init(after: sequence, through: through, throughID: newest?.id)
                    responseLastEventID = lastEventID
                } else {
                    // An id the history does not hold (never published, or trimmed): nothing can be
                    // replayed, and the header tells the client where history starts being known.
                    replay = .init(after: through, through: through, throughID: newest?.id)
                    responseLastEventID = newest?.id ?? "earliest"
                }
            }
            if configuration.subscriptionEvents && announced { await announce(subscriber, active: true) }
            return Subscription(lease: lease, replay: replay, responseLastEventID: responseLastEventID, connection: connection)
        } catch {
            lease.close(announce: false)
            throw error
        }
    }

    /// A closer that stops a subscriber's stream through its queue, so the stream is written on the
    /// response's own task, with no task of its own per subscriber.
    private static func closer(ending queue: SubscriberQueue, closing connection: any Channel) -> ServerSentEventStreamCloser {
        ServerSentEventStreamCloser { reason in
            switch reason {
            case .clientClosed:
                queue.end(.clientClosed)
            case .gracefulShutdown:
                queue.end(.hubShutdown)
            case .sourceFailed:
                // Dropped (lagging): a write may be waiting on a client that stopped reading.
                queue.end(.lagging)
                connection.close(promise: nil)
            }
        }
    }

    /// When a subscription must end, and why: at the token's `exp`, or after the (randomised) write timeout.
    private func deadline(for claims: MercureClaims?) -> SubscriptionLease.Deadline? {
        var deadline: SubscriptionLease.Deadline?
        if let timeout = configuration.writeTimeout {
            deadline = .init(instant: .now + timeout * Double.random(in: 0.8...1.0), ending: .writeTimeout)
        }
        if let expiry = claims?.exp?.value {
            let expires = ContinuousClock.now + .milliseconds(Int64(max(0, expiry.timeIntervalSinceNow) * 1000))
            if deadline.map({ expires < $0.instant }) ?? true { deadline = .init(instant: expires, ending: .tokenExpired) }
        }
        return deadline
    }

    /// Publishes the private subscription event for each of `subscriber`'s selectors; with a shared
    /// store, first records or forgets them in the cluster's directory of subscriptions.
    func announce(_ subscriber: Subscriber, active: Bool) async {
        if let shared = store as? any SharedEventStore {
            do {
                if active {
                    // The payload travels as JSON text through the database only.
                    let payload = subscriber.payload.flatMap { try? Self.json($0) }
                    let subscriptions = subscriber.selectors.map { ActiveSubscription(subscriber: subscriber.id, topic: $0.text, payload: payload) }
                    try await shared.addSubscriptions(subscriptions, node: nodeID)
                } else {
                    try await shared.removeSubscriptions(ofSubscriber: subscriber.id)
                }
            } catch {
                // The subscription itself works; only the cluster's list of them may be stale.
                logger.warning("could not update the cluster's subscriptions", metadata: ["error": "\(error)"])
            }
        }
        await publishSubscriptionEvents(
            subscriber: subscriber.id,
            topics: subscriber.selectors.map(\.text),
            payload: subscriber.payload,
            active: active
        )
    }

    /// Publishes one private subscription event per topic selector of `subscriber`.
    private func publishSubscriptionEvents(subscriber: String, topics: [String], payload: JSONValue?, active: Bool) async {
        for topic in topics {
            let document = SubscriptionDocument(topic: topic, subscriber: subscriber, active: active, payload: payload, withContext: true)
            do {
                let update = Update(topics: [document.id], data: try Self.json(document), isPrivate: true, id: UpdateIDGenerator.next())
                try await publish(update)
            } catch {
                logger.warning("could not publish a subscription event", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The active subscriptions the subscriptions API lists: the cluster's, with a shared store.
    func activeSubscriptions() async throws -> [ActiveSubscription] {
        if let shared = store as? any SharedEventStore { return try await shared.activeSubscriptions() }
        return registry.subscribers.flatMap { subscriber in
            subscriber.selectors.map {
                ActiveSubscription(subscriber: subscriber.id, topic: $0.text, payload: subscriber.payload.flatMap { try? Self.json($0) })
            }
        }
    }

    static func jsonValue(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Tells the other nodes this one is alive, and ends the subscriptions of nodes that stopped
    /// doing so: their clients are gone (they reconnect elsewhere), so they are announced inactive.
    private func keepNodeAlive(_ shared: any SharedEventStore) async {
        while !Task.isCancelled {
            do {
                let reaped = try await shared.heartbeat(node: nodeID, nodeTimeout: configuration.nodeTimeout)
                if !reaped.isEmpty {
                    logger.notice("ended the subscriptions of a node that stopped answering", metadata: ["subscriptions": "\(reaped.count)"])
                    for subscription in reaped {
                        await publishSubscriptionEvents(
                            subscriber: subscription.subscriber,
                            topics: [subscription.topic],
                            payload: subscription.payload.flatMap(Self.jsonValue),
                            active: false
                        )
                    }
                }
            } catch {
                logger.warning("could not record this node's heartbeat", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.nodeHeartbeatInterval)
        }
    }

    /// The id of the newest stored update, or `earliest`.
    func lastEventID() async throws -> String {
        try await store.newest()?.id ?? "earliest"
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    // MARK: - Service

    /// Trims history and sends heartbeats in the background until graceful shutdown, then ends
    /// every subscriber's stream.
    public func run() async throws {
        let heartbeats = configuration.heartbeatInterval.map { interval in
            Task {
                // One sweep for every subscriber, twice per interval: a comment goes to each one
                // that was sent nothing for at least the interval.
                let frame = ByteBuffer(string: ":\n")
                let chunk = HTTP1Chunk.framing(frame)
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval / 2)
                    let idleSince = ContinuousClock.now - interval
                    for subscriber in registry.subscribers { subscriber.queue.offerHeartbeat(frame, chunk: chunk, ifIdleSince: idleSince) }
                }
            }
        }
        let trimming = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: configuration.historyTrimInterval)
                if Task.isCancelled { break }
                do {
                    let removed = try await store.trim(maximumCount: configuration.historyMaximumCount, maximumAge: configuration.historyMaximumAge)
                    if removed > 0 { logger.debug("history trimmed", metadata: ["removed": "\(removed)"]) }
                } catch {
                    logger.error("could not trim history", metadata: ["error": "\(error)"])
                }
            }
        }
        let following = sharedLog.map { log in Task { await log.run { self.fanOut($0) } } }
        let heartbeat = (store as? any SharedEventStore).map { shared in Task { await keepNodeAlive(shared) } }
        try? await gracefulShutdown()
        following?.cancel()
        heartbeat?.cancel()
        trimming.cancel()
        heartbeats?.cancel()
        shutDown()
    }

    /// Refuses new subscribers and ends the streams of connected ones.
    public func shutDown() {
        isShuttingDown.store(true, ordering: .relaxed)
        for subscriber in registry.subscribers { subscriber.queue.end(.hubShutdown) }
    }

    /// Shuts down (if not yet done), waits for the work the hub started in the background, and
    /// closes the store. Call it once the server has stopped.
    public func close() async throws {
        shutDown()
        await background.drain()
        if let shared = store as? any SharedEventStore {
            // Gone on purpose: the others need not wait for this node's heartbeat to time out.
            try? await shared.removeNode(nodeID)
        }
        try await store.close()
    }
}

/// A subscribe request arrived while the hub shuts down.
struct HubShuttingDown: Error, CustomStringConvertible {
    var description: String { "the hub is shutting down" }
}
