/// The test's guard against a hang took too long; a failure, not a measurement.
public struct HangGuardExpired: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "gave up waiting after \(limit); the awaited behaviour never happened" }
}

/// Runs `operation`, failing with ``HangGuardExpired`` if it has not finished within `limit`.
///
/// The limit only keeps a broken build from hanging the test run; it is set far above the expected
/// time and is never a performance threshold.
public func withHangGuard<Result: Sendable>(
    _ limit: Duration = .seconds(20),
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else { throw HangGuardExpired(limit: limit) }
        return result
    }
}
