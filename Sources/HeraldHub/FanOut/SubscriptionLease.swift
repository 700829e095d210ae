import NIOCore
import NIOPosix
import Prometheus
import Synchronization

/// Keeps a subscriber registered while its stream lives, and unregisters it exactly once: when the
/// stream ends, or when the response holding it is released, whichever comes first.
final class SubscriptionLease: Sendable {
    let hub: Hub
    let subscriber: Subscriber
    private let closed = Atomic(false)
    /// Whether its leaving is announced (when it was announced as it arrived).
    private let announces: Bool
    /// A timer on an event loop rather than a task: a subscriber waiting for its deadline costs no task.
    private let deadlineTimer: Scheduled<Void>?

    /// When the subscription ends by itself, and why.
    struct Deadline {
        let instant: ContinuousClock.Instant
        let ending: SubscriberQueue.Ending
    }

    init(hub: Hub, subscriber: Subscriber, deadline: Deadline?, announces: Bool = true) {
        self.hub = hub
        self.subscriber = subscriber
        self.announces = announces
        if let deadline {
            let queue = subscriber.queue
            let delay = ContinuousClock.now.duration(to: deadline.instant)
            let ending = deadline.ending
            deadlineTimer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(Int64(delay / .nanoseconds(1)))) {
                queue.end(ending)
            }
        } else {
            deadlineTimer = nil
        }
    }

    /// Unregisters the subscriber and, if the hub publishes them, announces that it left.
    func close(announce: Bool = true) {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        deadlineTimer?.cancel()
        subscriber.queue.end(.hubShutdown)
        hub.registry.remove(subscriber)
        hub.metrics.subscribersConnected.decrement()
        if announce && announces && hub.configuration.subscriptionEvents {
            let hub = hub
            let subscriber = subscriber
            hub.background.start { await hub.announce(subscriber, active: false) }
        }
    }

    deinit {
        close()
    }
}
