import EventSourceClient
import ServerSentEvents
import TestSupport
import Testing

/// How an event source starts, reports its state, and ends, and that ending frees the connection.
@Suite struct LifecycleTests {
    @Test func cancellingTheConsumerClosesTheSocket() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: first\n\n")) { server in
            let source = EventSource(url: server.url())
            let received = Signal()
            let consumer = Task {
                for try await _ in source.events { received.raise() }
            }
            #expect(await received.wait(upTo: .seconds(10)))
            consumer.cancel()
            _ = await consumer.result
            let closed = try await server.waitForClientClosure()
            #expect(closed == 1)
            #expect(source.readyState == .closed)
        }
    }

    @Test func closeEndsTheEventsAndClosesTheSocket() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: first\n\n")) { server in
            let source = EventSource(url: server.url())
            let log = ConnectionLog(source)
            let events = try await withHangGuard { try await source.collectClosingOnFirstEvent() }
            #expect(events.map(\.data) == ["first"])
            try await server.waitForClientClosure()
            #expect(source.readyState == .closed)
            try await withHangGuard {
                while !log.events.contains(where: { if case .closed(nil) = $0 { true } else { false } }) {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
        }
    }

    @Test func eventsReceivedButNotTakenAreDroppedByClose() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: 1\n\ndata: 2\n\ndata: 3\n\n")) { server in
            let source = EventSource(url: server.url())
            let events = try await withHangGuard { try await source.collectClosingOnFirstEvent() }
            // The three arrive in one read; the two after `close()` are not delivered.
            #expect(events.map(\.data) == ["1"])
        }
    }

    @Test func connectionEventsFollowConnectingOpenReconnectingAndClosed() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            try await connection.send("data: \(index)\n\n")
            if index == 1 { _ = await connection.clientClosed.wait(upTo: .seconds(10)) }
        }) { server in
            let source = EventSource(url: server.url(), configuration: .init(reconnectionTime: .milliseconds(10), jitter: 0))
            #expect(source.readyState == .connecting)
            let log = ConnectionLog(source)
            _ = try await withHangGuard { [source] in
                var count = 0
                for try await _ in source.events {
                    count += 1
                    if count == 2 { break }
                }
                return count
            }
            #expect(source.readyState == .open)
            source.close()
            try await withHangGuard {
                while log.events.last.map({ if case .closed = $0 { false } else { true } }) ?? true {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            let url = server.url()
            let described = log.events.map { event -> String in
                switch event {
                case .connecting(let eventURL, let attempt): "connecting \(eventURL == url) \(attempt)"
                case .open(let eventURL): "open \(eventURL == url)"
                case .reconnecting(let delay, let reason): "reconnecting \(delay) \(reason)"
                case .closed(let error): "closed \(String(describing: error))"
                }
            }
            #expect(
                described == [
                    "connecting true 0", "open true", "reconnecting 0.01 seconds the server ended the stream",
                    "connecting true 1", "open true", "closed nil",
                ]
            )
            #expect(source.readyState == .closed)
        }
    }

    @Test func secondIterationIsRefused() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: only once\n\n")) { server in
            let source = EventSource(url: server.url())
            var first = source.events.makeAsyncIterator()
            let event = try await withHangGuard { [source] in
                var iterator = source.events.makeAsyncIterator()
                return try await iterator.next()
            }
            #expect(event?.data == "only once")
            await #expect(throws: EventSourceError.alreadyIterated) { try await first.next() }
            source.close()
        }
    }

    @Test func releasingTheEventSourceClosesTheConnection() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: hello\n\n")) { server in
            let event = try await withHangGuard {
                var iterator = EventSource(url: server.url()).events.makeAsyncIterator()
                return try await iterator.next()
            }
            #expect(event?.data == "hello")
            try await server.waitForClientClosure()
        }
    }
}
