import Prometheus
import Synchronization

/// Keeps a subscriber registered while its stream lives, and unregisters it exactly once: when the
/// stream ends, or when the response holding it is released, whichever comes first.
final class SubscriptionLease: Sendable {
    let hub: Hub
    let subscriber: Subscriber
    private let closed = Atomic(false)
    private let deadlineTask: Task<Void, Never>?

    /// When the subscription ends by itself, and why.
    struct Deadline {
        let instant: ContinuousClock.Instant
        let ending: SubscriberQueue.Ending
    }

    init(hub: Hub, subscriber: Subscriber, deadline: Deadline?) {
        self.hub = hub
        self.subscriber = subscriber
        if let deadline {
            let queue = subscriber.queue
            deadlineTask = Task {
                try? await Task.sleep(until: deadline.instant, clock: .continuous)
                if !Task.isCancelled { queue.end(deadline.ending) }
            }
        } else {
            deadlineTask = nil
        }
    }

    /// Unregisters the subscriber and, if the hub publishes them, announces that it left.
    func close(announce: Bool = true) {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        deadlineTask?.cancel()
        subscriber.queue.end(.hubShutdown)
        hub.registry.remove(subscriber)
        hub.metrics.subscribersConnected.decrement()
        if announce && hub.configuration.subscriptionEvents {
            let hub = hub
            let subscriber = subscriber
            hub.background.start { await hub.announce(subscriber, active: false) }
        }
    }

    deinit {
        close()
    }
}
