import Synchronization

/// A flag a server-side producer raises (when it sees cancellation, say) and a test awaits.
public final class Signal: Sendable {
    public init() {}

    private let raisedAt = Mutex<ContinuousClock.Instant?>(nil)

    public func raise() {
        raisedAt.withLock { if $0 == nil { $0 = .now } }
    }

    /// When the signal was first raised.
    public var instant: ContinuousClock.Instant? { raisedAt.withLock { $0 } }

    /// Waits for the signal, giving up after `limit` (a guard against a hang, not a measurement) or
    /// when the waiting task is cancelled; returns whether it was raised.
    public func wait(upTo limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while instant == nil && ContinuousClock.now < deadline {
            // A cancelled wait ends at once: `try?` here would turn it into a busy loop until the deadline.
            do { try await Task.sleep(for: .milliseconds(5)) } catch { break }
        }
        return instant != nil
    }
}

/// A counter shared between a server-side producer and a test.
public final class Counter: Sendable {
    public init() {}

    private let value = Mutex(0)
    public func add(_ amount: Int) { value.withLock { $0 += amount } }
    public var current: Int { value.withLock { $0 } }
}
