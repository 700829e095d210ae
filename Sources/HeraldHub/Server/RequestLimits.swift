/// Limits on the head of every request the server reads, whatever route it goes to: past them a
/// request is answered with its status and the connection is closed, before any route sees it.
public struct RequestLimits: Sendable, Hashable {
    /// The longest request line (method, target with its query, version), in bytes; past it, 414.
    /// Default 64 KiB: room for a subscription to many topics in its query.
    public var maximumRequestLineBytes: Int
    /// The largest request head (request line and headers), in bytes; past it, 431. Default 96 KiB.
    public var maximumHeadBytes: Int
    /// How long a client may take to send a request head once it started one (or once it connected,
    /// for its first request); past it, 408 and the connection is closed, so clients that trickle
    /// their heads (slowloris) cannot hold connections. Default 10 s.
    public var headTimeout: Duration

    public init(maximumRequestLineBytes: Int = 64 << 10, maximumHeadBytes: Int = 96 << 10, headTimeout: Duration = .seconds(10)) {
        self.maximumRequestLineBytes = max(64, maximumRequestLineBytes)
        self.maximumHeadBytes = max(self.maximumRequestLineBytes, maximumHeadBytes)
        self.headTimeout = headTimeout
    }
}
