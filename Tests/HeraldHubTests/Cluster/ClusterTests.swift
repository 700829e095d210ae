import Foundation
import HeraldHub
import HeraldPostgres
import ServerSentEvents
import Synchronization
import TestSupport
import Testing

/// Several hub nodes on one PostgreSQL database: what is published on any node reaches subscribers
/// on every node, in one order, with replay from any node.
@Suite(.enabled(if: TestPostgres.isAvailable, "needs PostgreSQL: run scripts/test.sh"))
struct ClusterTests {
    private func sharedDatabase() async throws -> TestStorage {
        .postgres(url: try await TestPostgres.createDatabase())
    }

    @Test func updatePublishedOnOneNodeArrivesOnEveryNode() async throws {
        try await HubTestServer.cluster(3, storage: try await sharedDatabase()) { nodes in
            let streams = try await nodes.asyncMap { try await $0.subscribe("topic=a") }
            let id = try await nodes[0].publish(topics: ["a"], data: "from A")
            for stream in streams {
                let event = try #require(try await stream.next())
                #expect(event.data == "from A")
                #expect(event.id == id)
            }
        }
    }

    @Test func concurrentPublishesOnThreeNodesAreSeenInOneOrderOnEveryNode() async throws {
        try await HubTestServer.cluster(3, storage: try await sharedDatabase(), configure: { $0.subscriptionEvents = false }) { nodes in
            let streams = try await nodes.asyncMap { try await $0.subscribe("topic=a") }
            let perNode = 60
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, node) in nodes.enumerated() {
                    for number in 0..<perNode {
                        group.addTask { try await node.publish(topics: ["a"], data: "\(index)-\(number)") }
                    }
                }
                try await group.waitForAll()
            }
            let seen = try await streams.asyncMap { try await $0.next(3 * perNode).map(\.data) }
            #expect(Set(seen[0]).count == 3 * perNode)
            #expect(seen[1] == seen[0])
            #expect(seen[2] == seen[0])
            // Each node's own publishes keep the order its publishers were answered in.
            let replay = try await nodes[1].subscribe("topic=a&lastEventID=earliest")
            #expect(try await replay.next(3 * perNode).map(\.data) == seen[0])
        }
    }

    @Test func resumingOnAnotherNodeWhilePublishingLosesAndDoublesNothing() async throws {
        try await HubTestServer.cluster(3, storage: try await sharedDatabase(), configure: { $0.subscriptionEvents = false }) { nodes in
            let count = 300
            let firstID = try await nodes[0].publish(topics: ["a"], data: "0")
            // Publishing goes on, on two nodes, while a client resumes on the third.
            let publisher = Task {
                for number in 1...count { try await nodes[number % 2 == 0 ? 0 : 2].publish(topics: ["a"], data: "\(number)") }
            }
            try await waitUntil { (await nodes[0].metric("herald_updates_published_total") ?? 0) >= 50 }
            let resumed = try await nodes[1].subscribe("topic=a", headers: [("Last-Event-ID", firstID)])
            try await publisher.value
            #expect(try await resumed.next(count).map(\.data) == (1...count).map(String.init))
        }
    }

    @Test func subscriptionEventsOfOneNodeReachWatchersOnAnother() async throws {
        let selector = "/.well-known/mercure/subscriptions{/topic}{/subscriber}"
        try await HubTestServer.cluster(2, storage: try await sharedDatabase()) { nodes in
            let token = try await nodes[0].token(subscribe: [selector])
            let watcher = try await nodes[0].subscribe("topic=" + FormBody.query(selector), headers: [("Authorization", "Bearer \(token)")])
            _ = try await watcher.next()  // its own subscription
            let member = try await nodes[1].subscribe("topic=room")
            _ = member
            let joined = try #require(try await watcher.next())
            let document = try #require(try JSONSerialization.jsonObject(with: Data(joined.data.utf8)) as? [String: Any])
            #expect(document["topic"] as? String == "room")
            #expect(document["active"] as? Bool == true)
        }
    }

    @Test func subscriptionsAPIAnswersTheSameOnEveryNode() async throws {
        let selector = "/.well-known/mercure/subscriptions{/topic}{/subscriber}"
        try await HubTestServer.cluster(3, storage: try await sharedDatabase()) { nodes in
            let onA = try await nodes[0].subscribe("topic=room-a")
            let onB = try await nodes[1].subscribe("topic=room-b")
            _ = (onA, onB)
            let token = try await nodes[0].token(subscribe: [selector])
            var topicsByNode: [[String]] = []
            for node in nodes {
                let answer = try await node.get("/.well-known/mercure/subscriptions", headers: [("Authorization", "Bearer \(token)")])
                #expect(answer.status == 200)
                let document = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                let subscriptions = try #require(document["subscriptions"] as? [[String: Any]])
                topicsByNode.append(subscriptions.compactMap { $0["topic"] as? String }.sorted())
            }
            #expect(topicsByNode[0] == ["room-a", "room-b"])
            #expect(topicsByNode[1] == topicsByNode[0])
            #expect(topicsByNode[2] == topicsByNode[0])
        }
    }

    @Test func subscriptionsOfANodeThatStoppedAnsweringAreAnnouncedInactive() async throws {
        let selector = "/.well-known/mercure/subscriptions{/topic}{/subscriber}"
        let url = try await TestPostgres.createDatabase()
        try await HubTestServer.cluster(
            2,
            storage: .postgres(url: url),
            configure: {
                $0.nodeHeartbeatInterval = .milliseconds(200)
                $0.nodeTimeout = .seconds(1)
            }
        ) { nodes in
            let token = try await nodes[0].token(subscribe: [selector])
            let watcher = try await nodes[0].subscribe("topic=" + FormBody.query(selector), headers: [("Authorization", "Bearer \(token)")])
            _ = try await watcher.next()  // its own subscription
            // A node that crashed: it recorded a subscription, then was never heard from again.
            let crashed = try await PostgresEventStore.connect(configuration: .init(url: try PostgresURL(url)))
            try await crashed.addSubscriptions(
                [ActiveSubscription(subscriber: "urn:uuid:crashed-subscriber", topic: "room", payload: nil)],
                node: "crashed-node"
            )
            try await crashed.close()
            let event = try #require(try await watcher.next())
            let document = try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
            #expect(document["subscriber"] as? String == "urn:uuid:crashed-subscriber")
            #expect(document["active"] as? Bool == false)
            // Announced once, by one of the two live nodes, and gone from the API on both.
            let answer = try await nodes[1].get("/.well-known/mercure/subscriptions", headers: [("Authorization", "Bearer \(token)")])
            #expect(!answer.body.contains("crashed-subscriber"))
        }
    }

    @Test func historyIsTrimmedUnderLoadAndReplayStaysInOrder() async throws {
        try await HubTestServer.cluster(
            2,
            storage: try await sharedDatabase(),
            configure: {
                $0.subscriptionEvents = false
                $0.historyMaximumCount = 50
                $0.historyTrimInterval = .milliseconds(50)
            }
        ) { nodes in
            let live = try await nodes[1].subscribe("topic=a")
            for number in 1...400 { try await nodes[number % 2].publish(topics: ["a"], data: "\(number)") }
            #expect(try await live.next(400).map(\.data) == (1...400).map(String.init))
            // Both nodes trim: what stays is at most the bound plus what arrived since the last trim.
            try await waitUntil {
                let replay = try? await nodes[0].subscribe("topic=a&lastEventID=earliest")
                guard let first = try? await replay?.next() else { return false }
                return Int(first.data) ?? 0 >= 400 - 50
            }
            let replay = try await nodes[0].subscribe("topic=a&lastEventID=earliest")
            let oldest = try #require(try await replay.next())
            let first = try #require(Int(oldest.data))
            let rest = try await replay.next(400 - first).map(\.data)
            #expect(rest == (first + 1...400).map(String.init))
        }
    }

    @Test func publishesDuringADatabaseOutageAre503AndEveryAcknowledgedUpdateArrivesAfterIt() async throws {
        let server = try await OwnPostgresServer.start()
        do {
            let storage = TestStorage.postgres(url: try await TestPostgres.createDatabase(adminURL: server.url))
            try await HubTestServer.cluster(2, storage: storage, configure: { $0.subscriptionEvents = false }) { nodes in
                let stream = try await nodes[1].subscribe("topic=a")
                var acknowledged: [String] = []
                for number in 1...5 {
                    try await nodes[0].publish(topics: ["a"], data: "before \(number)")
                    acknowledged.append("before \(number)")
                }
                try await server.pause()
                let token = try await nodes[0].token(publish: ["*"])
                let started = ContinuousClock.now
                let during = try await nodes[0].publish([("topic", "a"), ("data", "during")], token: token)
                #expect(during.status == 503)
                #expect(during.body.contains("not published"))
                // Every wait on the database is bounded: the answer comes within the store's timeout.
                #expect(ContinuousClock.now - started < .seconds(8))
                try await server.resume()
                // The pool reconnects: publishing works again within a few seconds.
                try await waitUntil {
                    (try? await nodes[0].publish([("topic", "a"), ("data", "after 1")], token: token).status) == 200
                }
                acknowledged.append("after 1")
                for number in 2...5 {
                    try await nodes[0].publish(topics: ["a"], data: "after \(number)")
                    acknowledged.append("after \(number)")
                }
                // The subscriber stayed connected to node B and gets every acknowledged update, in order.
                #expect(try await stream.next(acknowledged.count).map(\.data) == acknowledged)
            }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}

extension Array where Element: Sendable {
    /// `map` with an async transform, one element after another.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
