import Foundation
import HeraldHub
import HeraldTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import ServerSentEvents
import Testing

/// A subscriber that never reads is disconnected once its queue is full; the others keep receiving.
@Suite struct SlowSubscriberTests {
    @Test func subscriberThatNeverReadsIsDroppedWhileOthersReceiveEverything() async throws {
        try await HubTestServer.with(configure: { $0.subscriberQueue.updates = 64 }) { server in
            // A raw connection that sends the request and then reads nothing.
            let stalled = try await connectClientThatNeverReads(
                port: server.port,
                sending: "GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n"
            )
            try await waitUntil { await server.subscriberCount() == 1 }
            let reader = try await server.subscribe("topic=a")

            // The reader takes each update before the next is published, so only the stalled client
            // falls behind: first the sockets' buffers fill, then its queue of 64, and it is dropped.
            let chunk = String(repeating: "x", count: 64 * 1024)
            for number in 1...400 {
                try await server.publish(topics: ["a"], data: "\(number) \(chunk)")
                let event = try #require(try await reader.next())
                #expect(event.data.prefix { $0 != " " } == "\(number)")
            }
            #expect(await server.metric("herald_subscribers_dropped_total") == 1)
            // The stalled client's connection is closed by the hub, not kept open.
            // Reading what the sockets hold, the client then finds the connection closed.
            try await stalled.waitForClose()
            #expect(await server.subscriberCount() == 1)
        }
    }

    @Test func subscribersThatNeverReadAreDroppedWhenTogetherTheyHoldMoreThanTheHubsBound() async throws {
        // Each stalled client stays within its own queue's limits (400 updates, 8 MB, of 10,000 and
        // 16 MiB): only the hub-wide bound, 4 MiB for all of them, drops them.
        try await HubTestServer.with(configure: {
            $0.subscriberBacklogBytes = 4 << 20
            $0.subscriptionEvents = false
        }) { server in
            var stalled: [RawConnection] = []
            for _ in 0..<6 {
                stalled.append(
                    try await connectClientThatNeverReads(
                        port: server.port,
                        sending: "GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    )
                )
            }
            try await waitUntil { await server.subscriberCount() == 6 }
            let reader = try await server.subscribe("topic=a")
            let chunk = String(repeating: "x", count: 20 * 1024)
            for number in 1...400 {
                try await server.publish(topics: ["a"], data: "\(number) \(chunk)")
                let event = try #require(try await reader.next())
                #expect(event.data.prefix { $0 != " " } == "\(number)")
            }
            // The reader, which kept up, was never dropped; the stalled clients were, and their
            // connections closed.
            #expect(await server.metric("herald_subscribers_dropped_total") ?? 0 >= 1)
            try await waitUntil { await server.subscriberCount() < 7 }
            for connection in stalled { await connection.close() }
            try await server.publish(topics: ["a"], data: "after")
            #expect(try await reader.next()?.data == "after")
        }
    }

    @Test func clientThatLeavesAnIdleStreamIsUnregisteredWithoutAnyWrite() async throws {
        // No heartbeats and no updates: only the client's closing tells the hub it left.
        try await HubTestServer.with(configure: {
            $0.heartbeatInterval = nil
            $0.subscriptionEvents = false
        }) { server in
            let client = try await RawConnection.open(port: server.port)
            try await client.send("GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await waitUntil { await server.subscriberCount() == 1 }
            await client.close()
            try await waitUntil { await server.subscriberCount() == 0 }
            #expect(await server.metric("herald_subscribers_connected") == 0)
        }
    }
}
