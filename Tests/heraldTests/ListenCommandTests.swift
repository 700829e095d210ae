import Foundation
import TestSupport
import Testing

/// `herald listen`, run as a process against a local server.
@Suite struct ListenCommandTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A running `herald` process whose output goes to files, so waiting for it blocks no thread.
    final class HeraldProcess: Sendable {
        let process: Process
        let output: URL
        let errors: URL

        init(_ arguments: [String]) throws {
            process = Process()
            process.executableURL = ListenCommandTests.root.appendingPathComponent(".build/debug/herald")
            process.arguments = arguments
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-listen-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            output = directory.appendingPathComponent("stdout")
            errors = directory.appendingPathComponent("stderr")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = try FileHandle(forWritingTo: errors)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

        /// Waits for the process to exit and returns its status.
        func status() async throws -> Int32 {
            try await withHangGuard { [process] in
                while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
                return process.terminationStatus
            }
        }
    }

    @Test func jsonPrintsOneObjectPerEventAndStopsAtMaxEvents() async throws {
        try await ScriptedServer.with(
            ScriptedServer.streaming("id: 1\ndata: first\n\nevent: note\nid: 2\nretry: 500\ndata: two\ndata: lines\n\ndata: third\n\n")
        ) { server in
            let herald = try HeraldProcess(["listen", "--json", "--max-events", "2", server.url()])
            #expect(try await herald.status() == 0)
            #expect(
                herald.stdout == """
                    {"type":"message","data":"first","id":"1","retry":null}
                    {"type":"note","data":"two\\nlines","id":"2","retry":500}

                    """
            )
            #expect(herald.stderr.contains("connected to \(server.url())"))
        }
    }

    @Test func commentsArePrintedOnlyWhenAskedFor() async throws {
        let stream = ": hello\ndata: first\n\n:ping\ndata: second\n\n"
        try await ScriptedServer.with(ScriptedServer.streaming(stream)) { server in
            let withComments = try HeraldProcess(["listen", "--json", "--comments", "--max-events", "2", server.url()])
            #expect(try await withComments.status() == 0)
            #expect(
                withComments.stdout == """
                    {"comment":" hello"}
                    {"type":"message","data":"first","id":null,"retry":null}
                    {"comment":"ping"}
                    {"type":"message","data":"second","id":null,"retry":null}

                    """
            )
            let without = try HeraldProcess(["listen", "--json", "--max-events", "2", server.url()])
            #expect(try await without.status() == 0)
            #expect(!without.stdout.contains("comment"))
        }
    }

    @Test func maxEventSizeBoundsWhatIsAccepted() async throws {
        let big = String(repeating: "x", count: 2000)
        try await ScriptedServer.with(ScriptedServer.streaming("data: \(big)\n\n")) { server in
            let allowed = try HeraldProcess(["listen", "--json", "--max-event-size", "4096", "--max-events", "1", server.url()])
            #expect(try await allowed.status() == 0)
            #expect(allowed.stdout.contains(big))
            let refused = try HeraldProcess(["listen", "--max-event-size", "1000", server.url()])
            #expect(try await refused.status() == 1)
            #expect(refused.stderr.contains("1000"))
        }
    }

    @Test func methodHeadersBodyFileAndLastEventIDAreSent() async throws {
        let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("herald-body-\(UUID().uuidString).json")
        let body = #"{"model":"m","stream":true}"#
        try Data(body.utf8).write(to: bodyFile)
        try await ScriptedServer.with(ScriptedServer.streaming("data: ok\n\n")) { server in
            let herald = try HeraldProcess([
                "listen", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer t0k3n",
                "-d", "@\(bodyFile.path)", "--last-event-id", "7", "--json", "--max-events", "1", server.url("/v1/stream"),
            ])
            #expect(try await herald.status() == 0)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.target == "/v1/stream")
            #expect(request.body == body)
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("Authorization") == "Bearer t0k3n")
            #expect(request.header("Last-Event-ID") == "7")
            #expect(request.header("Accept") == "text/event-stream")
        }
    }

    @Test func dataAloneMeansAFormPost() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: ok\n\n")) { server in
            let herald = try HeraldProcess(["listen", "-d", "topic=a", "--max-events", "1", server.url()])
            #expect(try await herald.status() == 0)
            #expect(server.requests.first?.method == "POST")
            #expect(server.requests.first?.body == "topic=a")
            #expect(server.requests.first?.header("Content-Type") == "application/x-www-form-urlencoded")
        }
    }

    @Test func serverErrorExitsNonZeroWithStatusAndBody() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(status: "401 Unauthorized", contentType: "application/json", body: #"{"error":"bad key"}"#)
        }) { server in
            let herald = try HeraldProcess(["listen", server.url()])
            #expect(try await herald.status() == 1)
            #expect(herald.stdout.isEmpty)
            #expect(herald.stderr.contains("HTTP 401"))
            #expect(herald.stderr.contains(#"{"error":"bad key"}"#))
            #expect(server.requests.count == 1)
        }
    }

    @Test func noContentEndsCleanly() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond(status: "204 No Content", contentType: nil)
        }) { server in
            let herald = try HeraldProcess(["listen", server.url()])
            #expect(try await herald.status() == 0)
            #expect(herald.stdout.isEmpty)
        }
    }

    @Test func noReconnectStopsWhenTheStreamEnds() async throws {
        try await ScriptedServer.with({ _, _, connection in
            try await connection.respond()
            try await connection.send("retry: 10\ndata: only\n\n")
        }) { server in
            let herald = try HeraldProcess(["listen", "--no-reconnect", "--json", server.url()])
            #expect(try await herald.status() == 0)
            #expect(herald.stdout == #"{"type":"message","data":"only","id":null,"retry":10}"# + "\n")
            #expect(server.requests.count == 1)
        }
    }

    @Test func reconnectionIsReportedOnStandardError() async throws {
        try await ScriptedServer.with({ _, index, connection in
            try await connection.respond()
            try await connection.send("retry: 10\nid: \(index)\ndata: \(index)\n\n")
            if index > 0 { _ = await connection.clientClosed.wait(upTo: .seconds(10)) }
        }) { server in
            let herald = try HeraldProcess(["listen", "--json", "--max-events", "2", server.url()])
            #expect(try await herald.status() == 0)
            #expect(herald.stdout.split(separator: "\n").count == 2)
            #expect(herald.stderr.contains("the server ended the stream; retrying in"))
            #expect(server.requests.last?.header("Last-Event-ID") == "0")
        }
    }

    @Test func interruptEndsCleanlyAndClosesTheConnection() async throws {
        try await ScriptedServer.with(ScriptedServer.streaming("data: waiting for Ctrl-C\n\n")) { server in
            let herald = try HeraldProcess(["listen", server.url()])
            try await withHangGuard {
                while !herald.stdout.contains("waiting for Ctrl-C") { try await Task.sleep(for: .milliseconds(10)) }
            }
            herald.process.interrupt()
            #expect(try await herald.status() == 0)
            try await server.waitForClientClosure()
        }
    }
}
