import EventSourceClient
import ServerSentEvents
import TestSupport
import Testing

/// `messages`: comment lines beside the events, in stream order, for a caller who asks for them.
@Suite struct MessagesTests {
    @Test func commentsArriveInStreamOrderWithEvents() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond()
            try await connection.send(":first\ndata: a\n\n: heartbeat\n")
            try await connection.send("data: b\n:inside\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let source = EventSource(url: server.url())
            let received = try await withHangGuard {
                var received: [EventSourceMessage] = []
                for try await message in source.messages {
                    received.append(message)
                    if received.count == 5 { break }
                }
                return received
            }
            source.close()
            #expect(
                received == [
                    .comment("first"), .event(ServerSentEvent(data: "a")), .comment(" heartbeat"), .comment("inside"),
                    .event(ServerSentEvent(data: "b")),
                ]
            )
        }
    }

    @Test func eventsLeaveCommentsOut() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond()
            try await connection.send(":first\ndata: a\n\n:second\ndata: b\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let events = try await withHangGuard { try await EventSource(url: server.url()).collect(2) }
            #expect(events.map(\.data) == ["a", "b"])
        }
    }

    @Test func eventsAndMessagesCannotBothBeIterated() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: a\n\n")) { server in
            let source = EventSource(url: server.url())
            var messages = source.messages.makeAsyncIterator()
            let first = try await messages.next()
            #expect(first == .event(ServerSentEvent(data: "a")))
            var events = source.events.makeAsyncIterator()
            await #expect(throws: EventSourceError.alreadyIterated) { try await events.next() }
            source.close()
        }
    }

    @Test func largeEventsPassWhenTheSourceAllowsThem() async throws {
        // 3 MiB on one line: past the default 1 MiB limit, within the source's own.
        let big = String(repeating: "x", count: 3 << 20)
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond()
            try await connection.send("data: \(big)\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let allowing = EventSource(url: server.url(), configuration: .init(parser: .allowingEvents(upTo: 4 << 20)))
            let events = try await withHangGuard { try await allowing.collect(1) }
            #expect(events.first?.data.utf8.count == 3 << 20)
            let byDefault = await withHangGuardOrNil { await EventSource(url: server.url()).drain() }
            #expect(byDefault?.error?.code == .eventTooLarge)
        }
    }
}

/// `withHangGuard` for an operation that cannot throw.
private func withHangGuardOrNil<Result: Sendable>(_ operation: @escaping @Sendable () async -> Result) async -> Result? {
    try? await withHangGuard { await operation() }
}
