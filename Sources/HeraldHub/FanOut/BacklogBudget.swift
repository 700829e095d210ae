import Synchronization

/// The bytes waiting to be written to all of a hub's subscribers together, and the bound on them.
///
/// Each subscriber's queue is bounded on its own (``BacklogLimits``), but thousands of subscribers
/// that stop reading could each fill theirs and together hold more than the machine has. Every
/// queue adds what it queues here and subtracts what it hands to the socket or drops; when the sum
/// passes the bound, the hub drops as lagging the subscribers whose clients stopped reading, then
/// those furthest behind (they resume from history) until it is back under. Counted as the events'
/// bytes, whether or not subscribers share them, so the bound errs on the safe side.
final class BacklogBudget: Sendable {
    /// The most bytes that may wait for all subscribers together.
    let limit: Int
    private let total = Atomic(0)
    /// Set while one thread sheds load, so that the loops do not all do it at once.
    private let shedding = Atomic(false)

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// What waits now, in bytes.
    var bytes: Int { total.load(ordering: .relaxed) }

    func add(_ bytes: Int) {
        total.wrappingAdd(bytes, ordering: .relaxed)
    }

    func subtract(_ bytes: Int) {
        total.wrappingSubtract(bytes, ordering: .relaxed)
    }

    /// Whether the bound is passed and nobody is shedding yet; a `true` makes the caller the one
    /// that sheds, until it calls ``finishedShedding()``.
    func startShedding() -> Bool {
        guard bytes > limit else { return false }
        return shedding.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    func finishedShedding() {
        shedding.store(false, ordering: .releasing)
    }

    /// How far below the bound shedding goes, so that it does not run again at the next update.
    var sheddingTarget: Int { limit / 10 * 8 }
}
