import Testing

@testable import EventSourceClient

/// The delay rule on its own: doubling, the cap, the server's own `retry:`, jitter, the attempt limit.
@Suite struct ReconnectionBackoffTests {
    @Test func delayDoublesUpToTheCap() {
        var backoff = ReconnectionBackoff(configuration: .init(maxReconnectionDelay: .seconds(30), jitter: 0))
        var generator = SystemRandomNumberGenerator()
        let delays = (0..<6).map { _ in backoff.nextDelay(reconnectionTime: .seconds(3), using: &generator) }
        #expect(delays == [.seconds(3), .seconds(6), .seconds(12), .seconds(24), .seconds(30), .seconds(30)])
    }

    @Test func serverRetryLongerThanTheCapIsHonoured() {
        var backoff = ReconnectionBackoff(configuration: .init(maxReconnectionDelay: .seconds(30), jitter: 0))
        var generator = SystemRandomNumberGenerator()
        #expect(backoff.nextDelay(reconnectionTime: .seconds(60), using: &generator) == .seconds(60))
        #expect(backoff.nextDelay(reconnectionTime: .seconds(60), using: &generator) == .seconds(60))
    }

    @Test func jitterKeepsEachDelayBetweenHalfAndAllOfIt() {
        var backoff = ReconnectionBackoff(configuration: .init(maxReconnectionAttempts: nil))
        var generator = SystemRandomNumberGenerator()
        var seen = Set<Duration>()
        for _ in 0..<200 {
            backoff.connectionEnded(openFor: .seconds(3600))
            let delay = backoff.nextDelay(reconnectionTime: .seconds(2), using: &generator)!
            #expect(delay > .seconds(1) && delay <= .seconds(2))
            seen.insert(delay)
        }
        #expect(seen.count > 1)
    }

    @Test func longConnectionResetsTheBackoffAndShortOneDoesNot() {
        var backoff = ReconnectionBackoff(configuration: .init(backoffResetInterval: .seconds(60), jitter: 0))
        var generator = SystemRandomNumberGenerator()
        _ = backoff.nextDelay(reconnectionTime: .seconds(1), using: &generator)
        _ = backoff.nextDelay(reconnectionTime: .seconds(1), using: &generator)
        backoff.connectionEnded(openFor: .seconds(59))
        #expect(backoff.nextDelay(reconnectionTime: .seconds(1), using: &generator) == .seconds(4))
        backoff.connectionEnded(openFor: .seconds(60))
        #expect(backoff.nextDelay(reconnectionTime: .seconds(1), using: &generator) == .seconds(1))
    }

    @Test func noDelayOnceTheAttemptsAreUsedUp() {
        var backoff = ReconnectionBackoff(configuration: .init(jitter: 0, maxReconnectionAttempts: 2))
        var generator = SystemRandomNumberGenerator()
        #expect(backoff.nextDelay(reconnectionTime: .seconds(1), using: &generator) != nil)
        #expect(backoff.nextDelay(reconnectionTime: .seconds(1), using: &generator) != nil)
        #expect(backoff.nextDelay(reconnectionTime: .seconds(1), using: &generator) == nil)
    }
}
