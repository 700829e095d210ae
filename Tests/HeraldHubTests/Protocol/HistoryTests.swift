import Foundation
import HeraldHub
import NIOHTTP1
import ServerSentEvents
import Synchronization
import Testing

/// Reconnection: replay after `Last-Event-ID` or `lastEventID`, and the `Last-Event-ID` response header.
@Suite struct HistoryTests {
    @Test(arguments: StoreBackend.all) func lastEventIDHeaderReplaysWhatCameAfterIt(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let first = try await server.publish(topics: ["a"], data: "one")
            try await server.publish(topics: ["b"], data: "other topic")
            try await server.publish(topics: ["a"], data: "two")
            try await server.publish(topics: ["a"], data: "three")
            let stream = try await server.subscribe("topic=a", headers: [("Last-Event-ID", first)])
            #expect(stream.headers["Last-Event-ID"] == [first])
            #expect(try await stream.next(2).map(\.data) == ["two", "three"])
            try await server.publish(topics: ["a"], data: "live")
            #expect(try await stream.next()?.data == "live")
        }
    }

    @Test(arguments: StoreBackend.all) func lastEventIDQueryParameterResumesAndTheHeaderWinsOverIt(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let first = try await server.publish(topics: ["a"], data: "one")
            let second = try await server.publish(topics: ["a"], data: "two")
            try await server.publish(topics: ["a"], data: "three")
            let byQuery = try await server.subscribe("topic=a&lastEventID=\(FormBody.query(first))")
            #expect(byQuery.headers["Last-Event-ID"] == [first])
            #expect(try await byQuery.next(2).map(\.data) == ["two", "three"])
            let both = try await server.subscribe("topic=a&lastEventID=\(FormBody.query(first))", headers: [("Last-Event-ID", second)])
            #expect(both.headers["Last-Event-ID"] == [second])
            #expect(try await both.next()?.data == "three")
        }
    }

    @Test(arguments: StoreBackend.all) func concurrentPublishesAreDeliveredOnceInTheOrderTheyWereStored(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store, configure: { $0.subscriptionEvents = false }) { server in
            let live = try await server.subscribe("topic=a")
            let count = 200
            // Published at once, so the hub stores them in batches.
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for number in 0..<count { group.addTask { try await server.publish(topics: ["a"], data: "\(number)") } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == count)
            let delivered = try await live.next(count).map { $0.id ?? "" }
            #expect(Set(delivered) == ids)
            // Live delivery follows the stored order, which replay reads back by sequence number.
            let replay = try await server.subscribe("topic=a&lastEventID=earliest")
            #expect(try await replay.next(count).map { $0.id ?? "" } == delivered)
        }
    }

    @Test(arguments: StoreBackend.all) func earliestReplaysAllHistory(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            try await server.publish(topics: ["a"], data: "one")
            try await server.publish(topics: ["a"], data: "two")
            let stream = try await server.subscribe("topic=a&lastEventID=earliest")
            #expect(stream.headers["Last-Event-ID"] == ["earliest"])
            #expect(try await stream.next(2).map(\.data) == ["one", "two"])
        }
    }

    @Test(arguments: StoreBackend.all) func historyLargerThanAPageIsReplayedWholeAndInOrder(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            // 12 updates of 100 KB: a page of history stops at 64 KB (but holds one update), so this takes 12.
            let body = String(repeating: "x", count: 100 * 1024)
            for number in 1...12 { try await server.publish(topics: ["a"], data: "\(number) \(body)") }
            let stream = try await server.subscribe("topic=a&lastEventID=earliest")
            let numbers = try await stream.next(12).map { $0.data.prefix { $0 != " " } }
            #expect(numbers == (1...12).map { Substring("\($0)") })
        }
    }

    @Test(arguments: StoreBackend.all) func emptyHistoryAnswersEarliest(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store, configure: { $0.subscriptionEvents = false }) { server in
            let stream = try await server.subscribe("topic=a", headers: [("Last-Event-ID", "urn:uuid:unknown")])
            #expect(stream.headers["Last-Event-ID"] == ["earliest"])
        }
    }

    @Test(arguments: StoreBackend.all) func unknownIDReplaysNothingAndAnswersTheNewestID(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store, configure: { $0.subscriptionEvents = false }) { server in
            try await server.publish(topics: ["a"], data: "one")
            let newest = try await server.publish(topics: ["a"], data: "two")
            let stream = try await server.subscribe("topic=a", headers: [("Last-Event-ID", "urn:uuid:never-published")])
            // The header differs from the id asked for: the client can tell that it may have missed updates.
            #expect(stream.headers["Last-Event-ID"] == [newest])
            try await server.publish(topics: ["a"], data: "live")
            #expect(try await stream.next()?.data == "live")
        }
    }

    @Test(arguments: StoreBackend.all) func replayHandsOverToLiveWithNothingLostOrDoubled(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            let resumeFrom = try await server.publish(topics: ["a"], data: "0")
            // Publish 1…300 while a subscriber resumes from 0 part-way through.
            let publisher = Task {
                for number in 1...300 { try await server.publish(topics: ["a"], data: String(number)) }
            }
            try await waitUntil { (await server.metric("herald_updates_published_total") ?? 0) >= 100 }
            let stream = try await server.subscribe("topic=a", headers: [("Last-Event-ID", resumeFrom)])
            try await publisher.value
            #expect(try await stream.next(300).map(\.data) == (1...300).map(String.init))
        }
    }

    @Test(arguments: StoreBackend.all) func historyKeepsReplayAcrossAHubRestartOnTheSameData(store: StoreBackend) async throws {
        let storage = try await store.makeStorage()
        let first = Mutex<String?>(nil)
        try await HubTestServer.with(storage: storage) { server in
            let id = try await server.publish(topics: ["a"], data: "before restart 1")
            try await server.publish(topics: ["a"], data: "before restart 2")
            first.withLock { $0 = id }
        }
        try await HubTestServer.with(storage: storage) { server in
            let stream = try await server.subscribe("topic=a", headers: [("Last-Event-ID", try #require(first.withLock { $0 }))])
            #expect(try await stream.next()?.data == "before restart 2")
        }
    }

    @Test(arguments: StoreBackend.all) func privateUpdatesAreNotReplayedToUnauthorizedSubscribers(store: StoreBackend) async throws {
        try await HubTestServer.with(store: store) { server in
            try await server.publish(topics: ["a"], data: "secret", isPrivate: true)
            try await server.publish(topics: ["a"], data: "public")
            let anonymous = try await server.subscribe("topic=a&lastEventID=earliest")
            #expect(try await anonymous.next()?.data == "public")
            let authorized = try await server.subscribe(
                "topic=a&lastEventID=earliest",
                headers: [("Authorization", "Bearer \(try await server.token(subscribe: ["a"]))")]
            )
            #expect(try await authorized.next(2).map(\.data) == ["secret", "public"])
        }
    }
}
