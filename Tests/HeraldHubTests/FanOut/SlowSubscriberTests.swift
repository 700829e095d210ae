import Foundation
import HeraldHub
import HeraldTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import ServerSentEvents
import Synchronization
import TestSupport
import Testing

/// A subscriber that never reads is disconnected once its queue is full; the others keep receiving.
@Suite struct SlowSubscriberTests {
    /// A raw connection that subscribes to topic `a` and then reads nothing.
    private func subscribeWithoutReading(to server: HubTestServer) async throws -> RawConnection {
        try await connectClientThatNeverReads(
            port: server.port,
            sending: "GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
    }

    @Test func subscriberThatNeverReadsIsDroppedWhileOthersReceiveEverything() async throws {
        try await HubTestServer.with(configure: { $0.subscriberQueue.updates = 64 }) { server in
            // A raw connection that sends the request and then reads nothing.
            let stalled = try await subscribeWithoutReading(to: server)
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
            for _ in 0..<6 { stalled.append(try await subscribeWithoutReading(to: server)) }
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

    #if os(Linux)
    /// Once the bound is passed, every client known to have stopped reading goes in that one drop,
    /// not just enough of them to get back under four fifths (two of these six), which would leave
    /// the rest to fill the bound again.
    @Test func everySubscriberThatStoppedReadingIsDroppedAtOnceWhenTheBoundIsPassed() async throws {
        try await HubTestServer.with(configure: {
            $0.subscriberBacklogBytes = 4 << 20
            $0.subscriptionEvents = false
        }) { server in
            var stalled: [RawConnection] = []
            for _ in 0..<6 { stalled.append(try await subscribeWithoutReading(to: server)) }
            try await waitUntil { await server.subscriberCount() == 6 }
            let reader = try await server.subscribe("topic=a")
            let chunk = String(repeating: "x", count: 20 * 1024)
            try await withHangGuard {
                var number = 0
                while await server.metric("herald_subscribers_dropped_total") ?? 0 == 0 {
                    number += 1
                    try await server.publish(topics: ["a"], data: "\(number) \(chunk)")
                    let event = try #require(try await reader.next())
                    #expect(event.data.prefix { $0 != " " } == "\(number)")
                }
            }
            // Nothing is published after the first drop: it must have taken all six.
            try await withHangGuard { try await waitUntil { await server.subscriberCount() == 1 } }
            #expect(await server.metric("herald_subscribers_dropped_total") == 6)
            for connection in stalled { await connection.close() }
        }
    }
    #endif

    @Test func clientThatStopsReadingTakesLittleBeforeItsUpdatesWaitInItsQueue() async throws {
        // 64 updates of 16 KiB: 1 MiB for a client that reads nothing. Its small TCP window shows it
        // behind after the first write (PeerReadingProbe), and the rest waits in its queue, within
        // the hub's bounds, whatever the send buffer. Where the window cannot be read, the default
        // send buffer turns its connection unwritable after a small part of it; left to the kernel's
        // autotuning, the socket takes far more.
        func bytesTakenByAStalledClient(sendBuffer: Int?) async throws -> Double {
            let taken = Mutex(0.0)
            try await HubTestServer.with(configure: {
                $0.subscriberSendBufferBytes = sendBuffer
                $0.subscriptionEvents = false
                $0.heartbeatInterval = nil
            }) { server in
                let stalled = try await subscribeWithoutReading(to: server)
                try await waitUntil { await server.subscriberCount() == 1 }
                let data = String(repeating: "x", count: 16 << 10)
                for number in 1...64 { try await server.publish(topics: ["a"], data: "\(number) \(data)") }
                // Written is what the connection took; it stops growing once the connection is unwritable.
                var previous = -1.0
                while true {
                    try await Task.sleep(for: .milliseconds(300))
                    let current = await server.metric("herald_bytes_sent_total") ?? 0
                    if current == previous { break }
                    previous = current
                }
                taken.withLock { $0 = previous }
                await stalled.close()
            }
            return taken.withLock { $0 }
        }
        let bounded = try await bytesTakenByAStalledClient(
            sendBuffer: HubConfiguration(publisherKey: .hmacSHA256(secret: "s")).subscriberSendBufferBytes
        )
        let autotuned = try await bytesTakenByAStalledClient(sendBuffer: nil)
        print("HeraldHub: a client that stopped reading took \(Int(bounded)) bytes with the default send buffer, \(Int(autotuned)) with the kernel's")
        #expect(bounded < Double(512 << 10), "the connection took \(bounded) bytes")
        #if os(Linux)
        #expect(autotuned < Double(64 << 10), "the connection took \(autotuned) bytes")
        #else
        #expect(bounded < autotuned, "bounded: \(bounded) bytes, autotuned: \(autotuned)")
        #endif
    }

    @Test func clientThatStopsReadingAndReadsAgainReceivesEverythingInOrder() async throws {
        // Seen behind after its first writes, the client's writer is paused with its updates waiting
        // in its queue; when it reads again, a check of its window finds it caught up, and the writer
        // writes everything that waited.
        try await HubTestServer.with(configure: {
            $0.subscriptionEvents = false
            $0.heartbeatInterval = nil
        }) { server in
            let client = try await subscribeWithoutReading(to: server)
            try await waitUntil { await server.subscriberCount() == 1 }
            let data = String(repeating: "x", count: 4 << 10)
            for number in 1...40 { try await server.publish(topics: ["a"], data: "\(number) \(data)") }
            try await Task.sleep(for: .milliseconds(300))
            let received = try await client.waitFor("data: 40 ")
            let numbers = received.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6).prefix { $0 != " " } }
            #expect(numbers == (1...40).map { Substring("\($0)") })
            #expect(await server.metric("herald_subscribers_dropped_total") ?? 0 == 0)
            await client.close()
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
