import Foundation
import TestSupport
import Testing

/// `herald token`, `herald publish` and `herald serve`'s option checks, run as processes.
@Suite struct HubCommandTests {
    typealias HeraldProcess = ListenCommandTests.HeraldProcess
    static let key = "herald-command-test-secret-0123456789"

    /// The JSON payload of a JWT.
    private func claims(of token: String) throws -> [String: Any] {
        let parts = token.split(separator: ".")
        try #require(parts.count == 3)
        var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let data = try #require(Data(base64Encoded: payload))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func tokenCarriesTheMercureClaimsAndExpiry() async throws {
        let herald = try HeraldProcess([
            "token", "--jwt-key", Self.key, "--publish", "https://example.com/{id}", "--subscribe", "*",
            "--payload", #"{"user":"ada"}"#, "--expires-in", "3600",
        ])
        #expect(try await herald.status() == 0)
        let token = herald.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let claims = try claims(of: token)
        let mercure = try #require(claims["mercure"] as? [String: Any])
        #expect(mercure["publish"] as? [String] == ["https://example.com/{id}"])
        #expect(mercure["subscribe"] as? [String] == ["*"])
        #expect((mercure["payload"] as? [String: Any])?["user"] as? String == "ada")
        let expiry = try #require(claims["exp"] as? Double)
        #expect(abs(expiry - Date().timeIntervalSince1970 - 3600) < 120)
    }

    @Test func shortSecretIsRefusedWithWhatToDo() async throws {
        let herald = try HeraldProcess(["token", "--jwt-key", "short", "--publish", "*"])
        #expect(try await herald.status() != 0)
        #expect(herald.stderr.contains("at least 32"))
    }

    @Test func publishToAnUnreachableHubFailsWithAMessage() async throws {
        let herald = try HeraldProcess([
            "publish", "--hub", "http://127.0.0.1:1/.well-known/mercure", "--topic", "a", "--data", "x", "--jwt-key", Self.key,
        ])
        #expect(try await herald.status() != 0)
        #expect(herald.stderr.contains("could not reach the hub"))
    }

    @Test func publishWithoutATopicIsAUsageError() async throws {
        let herald = try HeraldProcess(["publish", "--data", "x", "--token", "t"])
        #expect(try await herald.status() == 64)
        #expect(herald.stderr.contains("--topic"))
    }

    @Test func serveRefusesAnUnknownAlgorithm() async throws {
        let herald = try HeraldProcess(["serve", "--jwt-algorithm", "HS1"])
        #expect(try await herald.status() == 64)
        #expect(herald.stderr.contains("HS256, RS256 or ES256"))
    }

    @Test func serveRefusesAStoreItDoesNotKnowWithWhatToWrite() async throws {
        let herald = try HeraldProcess(["serve", "--store", "mysql://ada@localhost/herald"])
        #expect(try await herald.status() == 64)
        #expect(herald.stderr.contains("--store mysql: is not a store Herald knows; use sqlite:PATH or postgres://user:password@host:port/database"))
    }

    @Test func serveStopsAtStartWhenPostgreSQLCannotBeReached() async throws {
        let herald = try HeraldProcess([
            "serve", "--port", "0", "--jwt-key", Self.key, "--store", "postgres://herald:pw@127.0.0.1:1/herald?sslmode=disable",
        ])
        #expect(try await herald.status() != 0)
        #expect(herald.stderr.contains("cannot use the PostgreSQL database at postgres://herald:***@127.0.0.1:1/herald"), "\(herald.stderr)")
        #expect(!herald.stderr.contains("pw@"))
    }

    @Test func serveRefusesNoEventLoops() async throws {
        let herald = try HeraldProcess(["serve", "--event-loops", "0"])
        #expect(try await herald.status() == 64)
        #expect(herald.stderr.contains("--event-loops must be between 1 and 1024"))
    }
}

/// `herald bench` against a real `herald serve`: counts, not timings.
@Suite struct BenchCommandTests {
    typealias HeraldProcess = ListenCommandTests.HeraldProcess

    @Test func benchCountsEveryDeliveryAgainstARunningHub() async throws {
        let (hub, hubURL, dataDirectory) = try await startHub()
        defer { stop(hub, removing: dataDirectory) }
        let token = try await publisherToken()
        let bench = try HeraldProcess([
            "bench", "--subscribe-url", hubURL + "?topic={topic}", "--publish-url", hubURL,
            "--token", token,
            "--subscribers", "20", "--topics", "2", "--messages", "50", "--server-pid", String(hub.process.processIdentifier), "--json",
        ])
        #expect(try await bench.status() == 0, "\(bench.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        #expect(report["connected"] as? Int == 20)
        #expect(report["published"] as? Int == 50)
        #expect(report["expectedDeliveries"] as? Int == 500)  // 10 subscribers on each topic, 25 messages each
        #expect(report["delivered"] as? Int == 500)
        #expect(report["lost"] as? Int == 0)
        #expect(report["duplicated"] as? Int == 0)
        #expect(report["reordered"] as? Int == 0)
        #expect((report["serverCPUSeconds"] as? Double ?? -1) >= 0)
        let perDelivery = try #require(report["serverCPUMicrosecondsPerDelivery"] as? Double)
        let userPerDelivery = try #require(report["serverUserCPUMicrosecondsPerDelivery"] as? Double)
        #expect(userPerDelivery >= 0 && userPerDelivery <= perDelivery)
        // Two topics: no message reaches every subscriber, so the spread is not reported.
        #expect(report["firstSubscriberLatencyMilliseconds"] == nil)

        // One topic: each message's latency to its first subscriber, and to its last.
        let oneTopic = try HeraldProcess([
            "bench", "--subscribe-url", hubURL + "?topic={topic}", "--publish-url", hubURL,
            "--token", token,
            "--subscribers", "5", "--messages", "20", "--json",
        ])
        #expect(try await oneTopic.status() == 0, "\(oneTopic.stderr)")
        let spread = try #require(try JSONSerialization.jsonObject(with: Data(oneTopic.stdout.utf8)) as? [String: Any])
        #expect(spread["delivered"] as? Int == 100)
        let first = try #require(spread["firstSubscriberLatencyMilliseconds"] as? [String: Double])
        let last = try #require(spread["lastSubscriberLatencyMilliseconds"] as? [String: Double])
        let all = try #require(spread["latencyMilliseconds"] as? [String: Double])
        // Every delivery lies between its message's first and last: so do the maxima.
        #expect(try #require(first["max"]) <= all["max"] ?? 0)
        let lastMax = try #require(last["max"])
        #expect(lastMax == all["max"])
        #expect(try #require(first["p50"]) <= last["p50"] ?? 0)
    }

    @Test func benchPadsMessagesAndAddsSubscribersThatNeverRead() async throws {
        let (hub, hubURL, dataDirectory) = try await startHub()
        defer { stop(hub, removing: dataDirectory) }
        let bench = try HeraldProcess([
            "bench", "--subscribe-url", hubURL + "?topic={topic}", "--publish-url", hubURL,
            "--token", try await publisherToken(), "--subscribers", "4", "--messages", "30", "--message-bytes", "2048",
            "--stalled", "3", "--json",
        ])
        #expect(try await bench.status() == 0, "\(bench.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        // The padded messages are still read as messages; the stalled subscribers are not counted.
        #expect(report["delivered"] as? Int == 120)
        #expect(report["malformed"] as? Int == 0)
        #expect(report["stalledSubscribers"] as? Int == 3)
        #expect(bench.stderr.contains("connected 3 subscribers that never read"))
    }

    @Test func serveWithOneEventLoopServesEveryConnectionOnIt() async throws {
        let (hub, hubURL, dataDirectory) = try await startHub(["--event-loops", "1"])
        defer { stop(hub, removing: dataDirectory) }
        let bench = try HeraldProcess([
            "bench", "--subscribe-url", hubURL + "?topic={topic}", "--publish-url", hubURL,
            "--token", try await publisherToken(), "--subscribers", "10", "--messages", "20", "--json",
        ])
        #expect(try await bench.status() == 0, "\(bench.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        #expect(report["delivered"] as? Int == 200)
        #expect(report["lost"] as? Int == 0)
        // SwiftNIO names a group's threads NIO-ELT-<group>-#<thread>; its shared group's are NIO-SGLTN-….
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(hub.process.processIdentifier)/task")
        let names = threads.compactMap { try? String(contentsOfFile: "/proc/\(hub.process.processIdentifier)/task/\($0)/comm", encoding: .utf8) }
        #expect(names.filter { $0.hasPrefix("NIO-ELT-") }.count == 1, "\(names)")
    }

    /// The test certificate authority and the certificate it signed for 127.0.0.1 (HeraldHubTests' fixtures).
    private static func tlsFixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HeraldHubTests/Fixtures/tls/\(name)").path
    }

    @Test func serveSpeaksHTTPSAndListenPublishAndBenchTrustAPrivateCA() async throws {
        let (hub, hubURL, dataDirectory) = try await startHub([
            "--tls-cert", Self.tlsFixture("server.pem"), "--tls-key", Self.tlsFixture("server-key.pem"),
        ])
        defer { stop(hub, removing: dataDirectory) }
        #expect(hubURL.hasPrefix("https://127.0.0.1:"))
        let cacert = Self.tlsFixture("ca.pem")
        let listen = try HeraldProcess(["listen", "--cacert", cacert, "--max-events", "1", "--json", hubURL + "?topic=a"])
        // Published once the listener's stream is open (it reports the connection on standard error).
        try await withHangGuard {
            while !listen.stderr.contains("connected to") { try await Task.sleep(for: .milliseconds(20)) }
        }
        let publish = try HeraldProcess([
            "publish", "--cacert", cacert, "--hub", hubURL, "--token", try await publisherToken(), "--topic", "a", "--data", "over TLS",
        ])
        #expect(try await publish.status() == 0, "\(publish.stderr)")
        #expect(try await listen.status() == 0, "\(listen.stderr)")
        #expect(listen.stdout.contains("over TLS"))
        // Without the CA, the certificate is not trusted: a clear failure, not a hang.
        let untrusted = try HeraldProcess(["publish", "--hub", hubURL, "--token", try await publisherToken(), "--topic", "a", "--data", "x"])
        #expect(try await untrusted.status() != 0)
        #expect(untrusted.stderr.contains("could not reach the hub"))
        let bench = try HeraldProcess([
            "bench", "--cacert", cacert, "--subscribe-url", hubURL + "?topic={topic}", "--publish-url", hubURL,
            "--token", try await publisherToken(), "--subscribers", "5", "--messages", "20", "--json",
        ])
        #expect(try await bench.status() == 0, "\(bench.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        #expect(report["delivered"] as? Int == 100)
    }

    /// Starts `herald serve` on a free port with a fresh data directory; returns it, its hub URL and
    /// the directory, for ``stop(_:removing:)``.
    private func startHub(_ arguments: [String] = []) async throws -> (HeraldProcess, String, String) {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-\(UUID().uuidString)").path
        let hub = try HeraldProcess(
            ["serve", "--port", "0", "--data-dir", dataDirectory, "--jwt-key", HubCommandTests.key, "--anonymous", "--log-level", "warning"]
                + arguments
        )
        do {
            let hubURL = try await withHangGuard {
                while true {
                    if let line = hub.stdout.split(separator: "\n").first(where: { $0.contains("Hub:") }) {
                        return String(line.split(separator: " ").last ?? "")
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            return (hub, hubURL, dataDirectory)
        } catch {
            stop(hub, removing: dataDirectory)
            throw error
        }
    }

    /// Stops a hub of ``startHub(_:)`` and removes its data directory.
    private func stop(_ hub: HeraldProcess, removing dataDirectory: String) {
        hub.process.terminate()
        hub.process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    private func publisherToken() async throws -> String {
        let token = try HeraldProcess(["token", "--jwt-key", HubCommandTests.key, "--publish", "*"])
        #expect(try await token.status() == 0)
        return token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func benchRefusesTargetsOutsideLoopback() async throws {
        let bench = try HeraldProcess([
            "bench", "--subscribe-url", "http://10.1.2.3:8080/sub?id={topic}", "--publish-url", "http://10.1.2.3:8080/pub", "--subscribers", "1",
        ])
        #expect(try await bench.status() != 0)
        #expect(bench.stderr.contains("only targets loopback"))
    }
}
