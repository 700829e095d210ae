import EventSourceClient
import ServerSentEvents
import Synchronization

extension EventSource {
    /// The first `count` events, after which the event source is closed.
    func collect(_ count: Int) async throws -> [ServerSentEvent] {
        var received: [ServerSentEvent] = []
        defer { close() }
        guard count > 0 else { return received }
        for try await event in events {
            received.append(event)
            if received.count == count { break }
        }
        return received
    }

    /// The events delivered when `close()` is called on receiving the first one and iteration goes
    /// on until the sequence ends: what `close()` lets through after itself.
    func collectClosingOnFirstEvent() async throws -> [ServerSentEvent] {
        var received: [ServerSentEvent] = []
        for try await event in events {
            received.append(event)
            close()
        }
        return received
    }

    /// Every event until the sequence ends, and the error it ended with, if any.
    func drain() async -> (events: [ServerSentEvent], error: EventSourceError?) {
        var received: [ServerSentEvent] = []
        do {
            for try await event in events { received.append(event) }
            return (received, nil)
        } catch {
            return (received, error)
        }
    }
}

/// Records an event source's connection changes as they happen.
final class ConnectionLog: Sendable {
    private final class Storage: Sendable {
        let events = Mutex<[EventSourceConnectionEvent]>([])
    }

    private let storage = Storage()
    private let task: Task<Void, Never>

    init(_ source: EventSource) {
        let stream = source.connectionEvents
        let storage = self.storage
        task = Task {
            for await event in stream { storage.events.withLock { $0.append(event) } }
        }
    }

    deinit { task.cancel() }

    var events: [EventSourceConnectionEvent] { storage.events.withLock { $0 } }

    /// The delays announced before each reconnection.
    var reconnectionDelays: [Duration] {
        events.compactMap { if case .reconnecting(let delay, _) = $0 { delay } else { nil } }
    }

    /// Why each connection was lost.
    var lossReasons: [EventSourceError] {
        events.compactMap { if case .reconnecting(_, let reason) = $0 { reason } else { nil } }
    }
}
