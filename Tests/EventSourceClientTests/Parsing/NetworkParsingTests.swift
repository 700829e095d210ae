import EventSourceClient
import ServerSentEvents
import TestSupport
import Testing

/// The stream as it comes off the network: any split of its bytes, and bytes that never end a line.
@Suite struct NetworkParsingTests {
    /// CR, LF and CRLF line endings, a BOM, a comment and a CRLF that the splits below cut in two.
    static let mixedLineEndings = Array("\u{FEFF}data: a\r\rdata: b\n\n: note\r\nevent: c\r\ndata: c1\r\ndata: c2\r\n\r\nid: 9\rdata: d\r\n\n".utf8)

    @Test func lineEndingsAtEveryChunkBoundaryFromTheNetwork() async throws {
        let expected = [
            ServerSentEvent(data: "a"),
            ServerSentEvent(data: "b"),
            ServerSentEvent(type: "c", data: "c1\nc2"),
            ServerSentEvent(data: "d", id: "9"),
        ]
        let bytes = Self.mixedLineEndings
        for split in 1..<bytes.count {
            try await ScriptedServer.with({ _, _, connection in
                try await connection.respond()
                try await connection.send(bytes: Array(bytes[..<split]))
                // Gives the first part time to arrive as a read of its own.
                try await Task.sleep(for: .milliseconds(2))
                try await connection.send(bytes: Array(bytes[split...]))
                _ = await connection.clientClosed.wait(upTo: .seconds(10))
            }) { server in
                let events = try await withHangGuard { try await EventSource(url: server.url()).collect(expected.count) }
                #expect(events == expected, "split at byte \(split)")
            }
        }
    }

    @Test func byteOrderMarkIsStrippedAtTheStartOfEveryConnection() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            try await connection.send("\u{FEFF}data: \(index)\n\n")
            if index == 1 { _ = await connection.clientClosed.wait(upTo: .seconds(10)) }
        }) { server in
            let configuration = EventSource.Configuration(reconnectionTime: .milliseconds(10), jitter: 0)
            let events = try await withHangGuard { try await EventSource(url: server.url(), configuration: configuration).collect(2) }
            #expect(events.map(\.data) == ["0", "1"])
        }
    }

    @Test func endlessLineFailsWithATypedErrorInsteadOfGrowing() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond()
            try await connection.send("data: ok\n\ndata: ")
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 16 * 1024)
            // Far more than the limit; the client must stop reading long before the end.
            for _ in 0..<4096 {
                guard connection.clientClosed.instant == nil else { return }
                try await connection.send(bytes: chunk)
            }
        }) { server in
            let limits = ServerSentEventParser.Configuration(maxLineLength: 64 * 1024, maxEventDataLength: 64 * 1024)
            let source = EventSource(url: server.url(), configuration: .init(parser: limits))
            let (events, error) = try await withHangGuard { await source.drain() }
            #expect(events.map(\.data) == ["ok"])
            #expect(error == .eventTooLarge(ServerSentEventParseError(kind: .lineTooLong, limit: 64 * 1024)))
            try await server.waitForClientClosure()
        }
    }
}
