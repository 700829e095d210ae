import EventSourceClient
import ServerSentEvents
import TestSupport
import Testing

/// `restart()`: a new connection at once, resuming from the last event id.
@Suite struct RestartTests {
    @Test func restartReconnectsAtOnceWithTheLastEventID() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            // The first connection ends with an unfinished event, which must not be delivered.
            try await connection.send(index == 0 ? "id: 1\ndata: a\n\nid: 2\ndata: unfinished" : "data: b\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            // A minute's reconnection time: only a restart reconnects within the test.
            let source = EventSource(url: server.url(), configuration: .init(reconnectionTime: .seconds(60)))
            let log = ConnectionLog(source)
            let events = try await withHangGuard {
                var received: [ServerSentEvent] = []
                for try await event in source.events {
                    received.append(event)
                    if received.count == 1 { source.restart() }
                    if received.count == 2 { break }
                }
                return received
            }
            source.close()
            #expect(events == [ServerSentEvent(data: "a", id: "1"), ServerSentEvent(data: "b", id: "1")])
            #expect(server.requests.map { $0.header("Last-Event-ID") } == [nil, "1"])
            #expect(log.lossReasons == [.restarted])
            #expect(log.reconnectionDelays == [.zero])
            #expect(try await server.waitForClientClosure() >= 1)
        }
    }

    @Test func restartCutsAReconnectionDelayShort() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            try await connection.send(index == 0 ? "data: a\n\n" : "data: b\n\n")
            if index > 0 { _ = await connection.clientClosed.wait(upTo: .seconds(10)) }
        }) { server in
            // The first connection ends at once; the source would wait a minute before the next.
            let source = EventSource(url: server.url(), configuration: .init(reconnectionTime: .seconds(60), jitter: 0))
            let log = ConnectionLog(source)
            let events = try await withHangGuard {
                var received: [String] = []
                for try await event in source.events {
                    received.append(event.data)
                    if received.count == 2 { break }
                    // Wait until the source is in its delay, then restart it.
                    while log.reconnectionDelays.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                    source.restart()
                }
                return received
            }
            source.close()
            #expect(events == ["a", "b"])
            #expect(log.lossReasons == [.streamEnded])
        }
    }

    @Test func restartBeforeIteratingDoesNothing() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: a\n\n")) { server in
            let source = EventSource(url: server.url())
            source.restart()
            let events = try await withHangGuard { try await source.collect(1) }
            #expect(events.map(\.data) == ["a"])
            #expect(server.requests.count == 1)
        }
    }
}
