import Synchronization

/// The connected subscribers, grouped by the event loop that offers them updates and indexed by
/// exact topic, so that an update reaches its subscribers without scanning everyone; subscribers
/// with a template or `*` among their selectors are checked one by one.
final class SubscriberRegistry: Sendable {
    /// The subscribers that one event loop (or, for those with no connection, the publishing task)
    /// offers updates to.
    private struct Group {
        /// The event loop's coalescer; `nil` for subscribers with no connection.
        let coalescer: WriteCoalescer?
        var byTopic: [String: [ObjectIdentifier: Subscriber]] = [:]
        var unindexed: [ObjectIdentifier: Subscriber] = [:]
        var count = 0
    }

    private struct State {
        var all: [ObjectIdentifier: Subscriber] = [:]
        /// Keyed by the identity of the subscribers' ``WriteCoalescer``, or `nil` for subscribers
        /// with no connection.
        var groups: [ObjectIdentifier?: Group] = [:]
    }

    private let state = Mutex(State())

    /// The number of connected subscribers.
    var count: Int { state.withLock { $0.all.count } }

    /// Every connected subscriber.
    var subscribers: [Subscriber] { state.withLock { Array($0.all.values) } }

    /// The subscribers that `coalescer`'s event loop offers updates to.
    func subscribers(of coalescer: WriteCoalescer) -> [Subscriber] {
        state.withLock { state in
            guard let group = state.groups[ObjectIdentifier(coalescer)] else { return [] }
            var subscribers = Array(group.unindexed.values)
            var seen = Set(group.unindexed.keys)
            for bucket in group.byTopic.values {
                for (key, subscriber) in bucket where seen.insert(key).inserted { subscribers.append(subscriber) }
            }
            return subscribers
        }
    }

    /// The coalescers of the event loops that have subscribers: each offers updates to its own.
    var coalescers: [WriteCoalescer] { state.withLock { $0.groups.values.compactMap(\.coalescer) } }

    func add(_ subscriber: Subscriber) {
        let key = ObjectIdentifier(subscriber)
        let groupKey = subscriber.coalescer.map(ObjectIdentifier.init)
        state.withLock { state in
            state.all[key] = subscriber
            var group = state.groups.removeValue(forKey: groupKey) ?? Group(coalescer: subscriber.coalescer)
            group.count += 1
            if let topics = subscriber.exactTopics {
                for topic in Set(topics) { group.byTopic[topic, default: [:]][key] = subscriber }
            } else {
                group.unindexed[key] = subscriber
            }
            state.groups[groupKey] = group
        }
    }

    func remove(_ subscriber: Subscriber) {
        let key = ObjectIdentifier(subscriber)
        let groupKey = subscriber.coalescer.map(ObjectIdentifier.init)
        state.withLock { state in
            guard state.all.removeValue(forKey: key) != nil, var group = state.groups.removeValue(forKey: groupKey) else { return }
            group.count -= 1
            if let topics = subscriber.exactTopics {
                for topic in Set(topics) {
                    group.byTopic[topic]?.removeValue(forKey: key)
                    if group.byTopic[topic]?.isEmpty == true { group.byTopic.removeValue(forKey: topic) }
                }
            } else {
                group.unindexed.removeValue(forKey: key)
            }
            if group.count > 0 { state.groups[groupKey] = group }
        }
    }

    /// Offers `update` to every subscriber of `eventLoop`'s group (`nil`: those with no connection)
    /// that wants it; the writers it wakes are added to `writes`.
    ///
    /// - Returns: The subscribers it reached and those it ended for lagging.
    func dispatch(
        _ live: LiveUpdate,
        toSubscribersOf coalescer: WriteCoalescer?,
        writes: inout WokenWriters
    ) -> (delivered: Int, lagging: [Subscriber]) {
        let update = live.stored
        var delivered = 0
        var lagging: [Subscriber] = []
        // Offered last: subscribers whose writers wait for their clients to catch up. Their offers
        // only queue, and beside thousands of clients that stopped reading, the clients that read
        // are written before, not after, thousands of such offers.
        var paused: [Subscriber] = []
        func offer(to subscriber: Subscriber) {
            if subscriber.queue.writerIsPaused {
                paused.append(subscriber)
                return
            }
            offerNow(to: subscriber)
        }
        func offerNow(to subscriber: Subscriber) {
            switch subscriber.queue.offer(live, writes: &writes) {
            case .queued: delivered += 1
            case .overflowed: lagging.append(subscriber)
            case .ended: break
            }
        }
        // Offered from a snapshot, outside the lock: offering may write to sockets, and a subscriber
        // that joins meanwhile has its history read after this update was stored.
        guard let group = state.withLock({ $0.groups[coalescer.map(ObjectIdentifier.init)] }) else { return (0, []) }
        if update.topics.count == 1 {
            if let bucket = group.byTopic[update.topics[0]] {
                for subscriber in bucket.values where subscriber.isAuthorized(for: update) { offer(to: subscriber) }
            }
        } else {
            // An exact-topic subscriber may be in several of the update's buckets: offer once.
            var reached: Set<ObjectIdentifier> = []
            for topic in update.topics {
                guard let bucket = group.byTopic[topic] else { continue }
                for (key, subscriber) in bucket where subscriber.isAuthorized(for: update) && reached.insert(key).inserted {
                    offer(to: subscriber)
                }
            }
        }
        for subscriber in group.unindexed.values where subscriber.wants(update) { offer(to: subscriber) }
        for subscriber in paused { offerNow(to: subscriber) }
        return (delivered, lagging)
    }
}
