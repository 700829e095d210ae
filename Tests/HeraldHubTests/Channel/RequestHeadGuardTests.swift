import Foundation
import HeraldHub
import HeraldTesting
import TestSupport
import Testing

/// Every request head is held to its limits before any route sees it, each broken limit with its own
/// answer, and the hub goes on serving everyone else.
@Suite struct RequestHeadGuardTests {
    private let small = RequestLimits(maximumRequestLineBytes: 1024, maximumHeadBytes: 4096, headTimeout: .seconds(1))

    @Test func requestLinePastItsLimitIs414AndTheConnectionCloses() async throws {
        try await HubTestServer.with(requestLimits: small) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /.well-known/mercure?topic=" + String(repeating: "x", count: 2000) + " HTTP/1.1\r\nHost: a\r\n\r\n")
            let answer = try await connection.waitForClose()
            #expect(answer.hasPrefix("HTTP/1.1 414 URI Too Long\r\n"), "\(answer.prefix(80))")
            #expect(answer.contains("the request line is longer than 1024 bytes"))
        }
    }

    @Test func headPastItsLimitIs431AndTheConnectionCloses() async throws {
        try await HubTestServer.with(requestLimits: small) { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Padding: " + String(repeating: "y", count: 5000) + "\r\n\r\n")
            let answer = try await connection.waitForClose()
            #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "\(answer.prefix(80))")
        }
    }

    @Test func theDefaultsAnswer200KBHeadsWithTheirStatusesNot400() async throws {
        try await HubTestServer.with { server in
            let longLine = try await RawConnection.open(port: server.port)
            try await longLine.send("GET /?topic=" + String(repeating: "x", count: 200_000) + " HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await longLine.waitForClose().hasPrefix("HTTP/1.1 414 "))
            let bigHead = try await RawConnection.open(port: server.port)
            try await bigHead.send(
                "GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X-Filler: \(String(repeating: "z", count: 1000))\r\n", count: 200) + "\r\n"
            )
            #expect(try await bigHead.waitForClose().hasPrefix("HTTP/1.1 431 "))
        }
    }

    @Test func aTricklingHeadIsCutAtTheTimeoutWhileOthersAreServed() async throws {
        try await HubTestServer.with(requestLimits: small) { server in
            let slow = try await RawConnection.open(port: server.port)
            try await slow.send("GET /healthz HTTP/1.1\r\n")
            let trickle = Task {
                // One header line every 200 ms: never a whole head within the second it has.
                for number in 0..<20 {
                    try await Task.sleep(for: .milliseconds(200))
                    try? await slow.send("X-Slow-\(number): 1\r\n")
                }
            }
            // A healthy client is served meanwhile.
            #expect(try await server.get("/healthz").status == 200)
            try await server.publish(topics: ["a"], data: "still publishing")
            let answer = try await slow.waitForClose()
            trickle.cancel()
            #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(answer.prefix(80))")
        }
    }

    @Test func aConnectionThatSendsNothingIsClosedAtTheTimeout() async throws {
        try await HubTestServer.with(requestLimits: small) { server in
            let silent = try await RawConnection.open(port: server.port)
            #expect(try await silent.waitForClose().hasPrefix("HTTP/1.1 408 "))
        }
    }

    @Test func requestsWithinTheLimitsAreServedOnOneConnectionOneAfterAnother() async throws {
        try await HubTestServer.with(requestLimits: small) { server in
            let connection = try await RawConnection.open(port: server.port)
            let token = try await server.token(publish: ["*"])
            let body = "topic=a&data=" + String(repeating: "b", count: 3000)  // a body larger than a head may be
            try await connection.send(
                "\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /.well-known/mercure HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            _ = try await withHangGuard(.seconds(10)) { try await connection.waitFor("urn:uuid:") }
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
            try await withHangGuard(.seconds(10)) { try await waitUntil { connection.text.components(separatedBy: "HTTP/1.1 200 OK").count == 4 } }
            #expect(!connection.text.contains(" 408 ") && !connection.text.contains(" 431 "))
            await connection.close()
        }
    }
}
