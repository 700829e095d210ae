import Synchronization

/// The connected subscribers, indexed by exact topic so that an update reaches its subscribers
/// without scanning everyone; subscribers with a template or `*` among their selectors are checked
/// one by one.
final class SubscriberRegistry: Sendable {
    private struct State {
        var all: [ObjectIdentifier: Subscriber] = [:]
        var byTopic: [String: [ObjectIdentifier: Subscriber]] = [:]
        var unindexed: [ObjectIdentifier: Subscriber] = [:]
    }

    private let state = Mutex(State())

    /// The number of connected subscribers.
    var count: Int { state.withLock { $0.all.count } }

    /// Every connected subscriber.
    var subscribers: [Subscriber] { state.withLock { Array($0.all.values) } }

    func add(_ subscriber: Subscriber) {
        let key = ObjectIdentifier(subscriber)
        state.withLock { state in
            state.all[key] = subscriber
            if let topics = subscriber.exactTopics {
                for topic in Set(topics) { state.byTopic[topic, default: [:]][key] = subscriber }
            } else {
                state.unindexed[key] = subscriber
            }
        }
    }

    func remove(_ subscriber: Subscriber) {
        let key = ObjectIdentifier(subscriber)
        state.withLock { state in
            guard state.all.removeValue(forKey: key) != nil else { return }
            if let topics = subscriber.exactTopics {
                for topic in Set(topics) {
                    state.byTopic[topic]?.removeValue(forKey: key)
                    if state.byTopic[topic]?.isEmpty == true { state.byTopic.removeValue(forKey: topic) }
                }
            } else {
                state.unindexed.removeValue(forKey: key)
            }
        }
    }

    /// Offers `update` to every subscriber that wants it; the writers it wakes are added to `writes`.
    ///
    /// - Returns: The subscribers it reached and those it ended for lagging.
    func dispatch(_ update: StoredUpdate, writes: inout PendingWrites) -> (delivered: Int, lagging: [Subscriber]) {
        var delivered = 0
        var lagging: [Subscriber] = []
        func offer(to subscriber: Subscriber) {
            switch subscriber.queue.offer(update, writes: &writes) {
            case .queued: delivered += 1
            case .overflowed: lagging.append(subscriber)
            case .ended: break
            }
        }
        state.withLock { state in
            if update.topics.count == 1 {
                if let bucket = state.byTopic[update.topics[0]] {
                    for subscriber in bucket.values where subscriber.isAuthorized(for: update) { offer(to: subscriber) }
                }
            } else {
                // An exact-topic subscriber may be in several of the update's buckets: offer once.
                var reached: Set<ObjectIdentifier> = []
                for topic in update.topics {
                    guard let bucket = state.byTopic[topic] else { continue }
                    for (key, subscriber) in bucket where subscriber.isAuthorized(for: update) && reached.insert(key).inserted {
                        offer(to: subscriber)
                    }
                }
            }
            for subscriber in state.unindexed.values where subscriber.wants(update) { offer(to: subscriber) }
        }
        return (delivered, lagging)
    }
}
