import EventSourceClient
import NIOHTTP1
import ServerSentEvents
import TestSupport
import Testing

/// What happens when a connection is lost: when the event source comes back, and what it sends.
@Suite struct ReconnectionTests {
    let quickRetry = EventSource.Configuration(reconnectionTime: .milliseconds(10), jitter: 0)

    @Test func lastEventIDAfterReconnectIsTheLastIDSeen() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            if index == 0 {
                try await connection.send("id: 1\ndata: a\n\nid: 2\ndata: b\n\n")
                return
            }
            try await connection.send("data: c\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let events = try await withHangGuard { try await EventSource(url: server.url(), configuration: quickRetry).collect(3) }
            #expect(events.map(\.data) == ["a", "b", "c"])
            #expect(server.requests.map { $0.header("Last-Event-ID") } == [nil, "2"])
        }
    }

    @Test func idPersistsAcrossEventsAndConnections() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            if index == 0 {
                try await connection.send("id: 7\ndata: a\n\ndata: b\n\n")
                return
            }
            try await connection.send("data: c\n\nid\ndata: d\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let events = try await withHangGuard { try await EventSource(url: server.url(), configuration: quickRetry).collect(4) }
            #expect(events.map(\.id) == ["7", "7", "7", nil])
        }
    }

    @Test func idOfABlockWithoutDataIsStillSentOnReconnect() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            if index == 0 {
                try await connection.send("id: 1\ndata: a\n\nid: 5\n\n")
                return
            }
            try await connection.send("data: b\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            _ = try await withHangGuard { try await EventSource(url: server.url(), configuration: quickRetry).collect(2) }
            #expect(server.requests.last?.header("Last-Event-ID") == "5")
        }
    }

    @Test func retryFieldSetsTheReconnectionDelay() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            if index == 0 {
                try await connection.send("retry: 250\ndata: a\n\n")
                return
            }
            try await connection.send("data: b\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            // Without the stream's `retry:`, the next attempt would wait a minute.
            let source = EventSource(url: server.url(), configuration: .init(reconnectionTime: .seconds(60), jitter: 0))
            let log = ConnectionLog(source)
            let events = try await withHangGuard { try await source.collect(2) }
            #expect(events.map(\.data) == ["a", "b"])
            #expect(log.reconnectionDelays == [.milliseconds(250)])
            let arrivals = server.arrivals
            #expect(arrivals[1] - arrivals[0] >= .milliseconds(250))
        }
    }

    @Test func backoffDoublesWhileConnectionsFailAndResetsAfterOneStaysUp() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            switch index {
            case 3:
                // Stays up twice the reset interval, then drops.
                try await connection.send("data: steady\n\n")
                try await Task.sleep(for: .milliseconds(600))
            case 5:
                try await connection.send("data: last\n\n")
                _ = await connection.clientClosed.wait(upTo: .seconds(10))
            default:
                return
            }
        }) { server in
            let configuration = EventSource.Configuration(
                reconnectionTime: .milliseconds(20),
                maxReconnectionDelay: .seconds(5),
                backoffResetInterval: .milliseconds(300),
                jitter: 0
            )
            let source = EventSource(url: server.url(), configuration: configuration)
            let log = ConnectionLog(source)
            let events = try await withHangGuard { try await source.collect(2) }
            #expect(events.map(\.data) == ["steady", "last"])
            let delays = log.reconnectionDelays
            #expect(delays == [.milliseconds(20), .milliseconds(40), .milliseconds(80), .milliseconds(20), .milliseconds(40)])
            let arrivals = server.arrivals
            for (index, delay) in delays.enumerated() {
                #expect(arrivals[index + 1] - arrivals[index] >= delay)
            }
        }
    }

    @Test func backoffStopsGrowingAtTheCap() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            if index == 4 {
                try await connection.send("data: up\n\n")
                _ = await connection.clientClosed.wait(upTo: .seconds(10))
            }
        }) { server in
            let configuration = EventSource.Configuration(
                reconnectionTime: .milliseconds(10),
                maxReconnectionDelay: .milliseconds(30),
                jitter: 0
            )
            let source = EventSource(url: server.url(), configuration: configuration)
            let log = ConnectionLog(source)
            _ = try await withHangGuard { try await source.collect(1) }
            #expect(log.reconnectionDelays == [.milliseconds(10), .milliseconds(20), .milliseconds(30), .milliseconds(30)])
        }
    }

    @Test func givesUpAfterTheConfiguredAttempts() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond()
        }) { server in
            let configuration = EventSource.Configuration(reconnectionTime: .milliseconds(5), jitter: 0, maxReconnectionAttempts: 2)
            let (events, error) = try await withHangGuard {
                await EventSource(url: server.url(), configuration: configuration).drain()
            }
            #expect(events.isEmpty)
            #expect(error == .reconnectionAttemptsExhausted(attempts: 2, lastReason: .streamEnded))
            #expect(server.requests.count == 3)
        }
    }

    @Test func refusedConnectionIsANetworkErrorThatIsRetried() async throws {
        // A port that was just free: nothing listens there.
        let port = try await ScriptedServer.with({ _, _, _ in }) { $0.port }
        let configuration = EventSource.Configuration(reconnectionTime: .milliseconds(5), jitter: 0, maxReconnectionAttempts: 1)
        let source = EventSource(url: "http://127.0.0.1:\(port)/events", configuration: configuration)
        let log = ConnectionLog(source)
        let (_, error) = try await withHangGuard { await source.drain() }
        #expect(error?.code == .reconnectionAttemptsExhausted)
        #expect(error?.attempts == 1)
        #expect(error?.lastReason?.code == .network)
        #expect(log.lossReasons.count == 1)
    }

    @Test func connectionCutMidEventLosesThatEventOnly() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            if index == 0 {
                try await connection.send("data: a\n\ndata: half\ndata: of an event")
                return
            }
            try await connection.send("data: b\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let events = try await withHangGuard { try await EventSource(url: server.url(), configuration: quickRetry).collect(2) }
            #expect(events.map(\.data) == ["a", "b"])
        }
    }

    @Test func postBodyAndHeadersAreSentAgainOnReconnect() async throws {
        let body = #"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            try await connection.send("id: \(index)\ndata: token\(index)\n\n")
            if index > 0 { _ = await connection.clientClosed.wait(upTo: .seconds(10)) }
        }) { server in
            let request = EventSourceRequest(
                url: server.url("/v1/chat/completions"),
                method: .POST,
                headers: ["Content-Type": "application/json", "Authorization": "Bearer sk-test"],
                body: body
            )
            let events = try await withHangGuard { try await EventSource(request: request, configuration: quickRetry).collect(2) }
            #expect(events.map(\.data) == ["token0", "token1"])
            let requests = server.requests
            #expect(requests.map(\.method) == ["POST", "POST"])
            #expect(requests.map(\.body) == [body, body])
            #expect(requests.map { $0.header("Authorization") } == ["Bearer sk-test", "Bearer sk-test"])
            #expect(requests.map { $0.header("Last-Event-ID") } == [nil, "0"])
        }
    }

    @Test func readTimeoutFiresOnASilentServer() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            if index == 0 {
                // Says nothing, not even a heartbeat, until the client gives up on it.
                _ = await connection.clientClosed.wait(upTo: .seconds(10))
                return
            }
            try await connection.send("data: after the timeout\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            // Long enough that the second connection's event, sent right after its headers, comes
            // well within it even on a loaded machine (1 s was not, once, in CI).
            let configuration = EventSource.Configuration(reconnectionTime: .milliseconds(10), jitter: 0, readTimeout: .seconds(3))
            let source = EventSource(url: server.url(), configuration: configuration)
            let log = ConnectionLog(source)
            let events = try await withHangGuard { try await source.collect(1) }
            #expect(events.map(\.data) == ["after the timeout"])
            #expect(log.lossReasons == [.readTimeout(.seconds(3))])
            #expect(server.requests.count == 2)
        }
    }

    @Test func heartbeatsKeepTheReadTimeoutFromFiring() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond()
            // 8 s of heartbeats, twice the read timeout, each 80 ms after the last (the timeout is
            // 50 heartbeats long, so a loaded machine that stalls for a few seconds does not fire it:
            // the whole test suite runs in parallel on two cores).
            for _ in 0..<100 {
                try await Task.sleep(for: .milliseconds(80))
                try await connection.send(":\n")
            }
            try await connection.send("data: still here\n\n")
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }) { server in
            let configuration = EventSource.Configuration(reconnectionTime: .milliseconds(10), jitter: 0, readTimeout: .seconds(4))
            let source = EventSource(url: server.url(), configuration: configuration)
            let log = ConnectionLog(source)
            let events = try await withHangGuard { try await source.collect(1) }
            #expect(events.map(\.data) == ["still here"])
            #expect(log.lossReasons.isEmpty)
            #expect(server.requests.count == 1)
        }
    }
}
