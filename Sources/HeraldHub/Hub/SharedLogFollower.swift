import Logging
import NIOCore
import Synchronization

/// Delivers a shared store's updates on this hub: reads the log after the last update delivered, in
/// sequence order, whenever the store says something was appended and at least every poll interval,
/// and hands each page to the fan-out.
///
/// It is the only way updates reach this hub's subscribers when the store is shared, the hub's own
/// publishes included, so every node delivers the same updates in the same order. When the
/// database is unreachable it keeps trying with backoff and then catches up from its cursor:
/// subscribers stay connected and miss nothing that was stored.
final class SharedLogFollower: Sendable {
    /// How many updates one read takes, and at most how many bytes of events.
    static let pageSize = 512
    static let pageBytes = 8 << 20

    private let store: any SharedEventStore
    private let pollInterval: Duration
    private let logger: Logger
    private let doorbell = Doorbell()
    /// The sequence of the last update delivered.
    private let cursor: Atomic<Int64>

    init(store: any SharedEventStore, startingAfter sequence: Int64, pollInterval: Duration, logger: Logger) {
        self.store = store
        self.pollInterval = pollInterval
        self.logger = logger
        self.cursor = Atomic(sequence)
    }

    /// Asks for a read now, as after this hub appended.
    func wake() {
        doorbell.ring()
    }

    /// Follows the log until the task is cancelled, handing each page of new updates to `deliver`,
    /// in sequence order.
    func run(deliver: @escaping @Sendable ([StoredUpdate]) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchAppends() }
            group.addTask { await self.follow(deliver) }
            await group.waitForAll()
        }
    }

    private func follow(_ deliver: @Sendable ([StoredUpdate]) -> Void) async {
        var backoff = DatabaseBackoff()
        while !Task.isCancelled {
            do {
                try await readNewUpdates(deliver)
                if backoff.failures > 0 { logger.notice("the shared log is readable again; delivery caught up") }
                backoff.succeeded()
                await doorbell.wait(upTo: pollInterval)
            } catch {
                if Task.isCancelled { return }
                let delay = backoff.failed()
                if backoff.failures == 1 {
                    logger.error("cannot read the shared log; subscribers stay connected and will catch up", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// Reads and delivers pages until one is not full. (Reading on until an empty page would cost
    /// every node a second query per wake-up, and most wake-ups bring a page of a few updates.)
    private func readNewUpdates(_ deliver: @Sendable ([StoredUpdate]) -> Void) async throws {
        while !Task.isCancelled {
            let after = cursor.load(ordering: .relaxed)
            let page = try await store.updates(after: after, through: .max, limit: Self.pageSize, maximumBytes: Self.pageBytes)
            guard let last = page.last else { return }
            deliver(page)
            cursor.store(last.sequence, ordering: .relaxed)
            // A page cut short by its byte limit holds nearly that many bytes; one that is short of
            // both limits was all there was.
            let bytes = page.reduce(0) { $0 + $1.frame.readableBytes }
            if page.count < Self.pageSize && bytes < Self.pageBytes / 2 { return }
        }
    }

    private func watchAppends() async {
        var backoff = DatabaseBackoff()
        while !Task.isCancelled {
            let started = ContinuousClock.now
            var failure: (any Error)?
            do {
                try await store.watchAppends { [doorbell] in doorbell.ring() }
            } catch {
                failure = error
            }
            if Task.isCancelled { return }
            // A watch that lasted counts as a success: the next failure starts the backoff anew.
            if ContinuousClock.now - started > .seconds(10) { backoff.succeeded() }
            if backoff.failures == 0 {
                logger.warning(
                    "lost the shared log's notifications; reading it every poll interval meanwhile",
                    metadata: ["error": "\(failure.map { "\($0)" } ?? "the connection ended")"]
                )
            }
            // Whatever was appended while nobody watched is read now.
            doorbell.ring()
            try? await Task.sleep(for: backoff.failed())
        }
    }
}

/// The delay before trying the database again: doubling from 50 ms up to 2 s while it keeps failing.
struct DatabaseBackoff {
    private(set) var failures = 0

    mutating func failed() -> Duration {
        failures += 1
        return .milliseconds(min(2000, 50 << min(failures - 1, 6)))
    }

    mutating func succeeded() {
        failures = 0
    }
}
