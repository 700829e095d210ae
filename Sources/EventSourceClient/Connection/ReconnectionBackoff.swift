/// The delay before each reconnection: the reconnection time doubled for every failed attempt in a row,
/// capped, with jitter, and reset once a connection has stayed up long enough.
struct ReconnectionBackoff {
    let maxDelay: Duration
    let resetInterval: Duration
    let jitter: Double
    let maxAttempts: Int?

    /// Reconnections since the last connection that stayed up for `resetInterval`.
    private(set) var attempts = 0

    init(configuration: EventSource.Configuration) {
        self.maxDelay = configuration.maxReconnectionDelay
        self.resetInterval = configuration.backoffResetInterval
        self.jitter = configuration.jitter
        self.maxAttempts = configuration.maxReconnectionAttempts
    }

    /// Records that a connection ended after being open for `openFor` (`nil`: it never opened).
    mutating func connectionEnded(openFor: Duration?) {
        if let openFor, openFor >= resetInterval { attempts = 0 }
    }

    /// The delay before the next attempt, or `nil` when no attempts are left.
    mutating func nextDelay(
        reconnectionTime: Duration,
        using generator: inout some RandomNumberGenerator
    ) -> Duration? {
        if let maxAttempts, attempts >= maxAttempts { return nil }
        let exponent = min(attempts, 30)
        attempts += 1
        // A server's own `retry:` wins over the cap; backoff never shortens it.
        let cap = max(maxDelay, reconnectionTime)
        let grown = reconnectionTime * (1 << exponent)
        let delay = grown > cap || grown < reconnectionTime ? cap : grown
        guard jitter > 0 else { return delay }
        let kept = 1 - jitter * Double.random(in: 0..<1, using: &generator)
        return delay * kept
    }
}
