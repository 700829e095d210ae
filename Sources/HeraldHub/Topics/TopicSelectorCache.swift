import Synchronization

/// Compiled topic selectors by their text, so a template used by many subscribers or tokens is
/// parsed once. Bounded: past `capacity` entries the cache is emptied and refills with what is in use.
final class TopicSelectorCache: Sendable {
    private let capacity: Int
    private let selectors = Mutex<[String: TopicSelector]>([:])

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The compiled selector for `text`.
    func selector(_ text: String) -> TopicSelector {
        if let cached = selectors.withLock({ $0[text] }) { return cached }
        let compiled = TopicSelector(text)
        selectors.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[text] = compiled
        }
        return compiled
    }

    /// The compiled selectors for `texts`.
    func selectors(_ texts: [String]) -> [TopicSelector] {
        texts.map(selector)
    }
}
