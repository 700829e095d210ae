import NIOCore
import NIOPosix
import Synchronization

/// One HTTP request as the scripted server received it.
public struct RecordedRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: String

    /// The value of the first header called `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What a script writes to one connection: raw bytes, so a test controls every status line, header,
/// chunk boundary and the moment the connection is cut.
public struct ScriptedConnection: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Raised when the client closes its side of the connection.
    public let clientClosed: Signal

    /// Writes `text` and flushes it as one TCP segment (as far as the kernel allows).
    public func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    public func send(bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Sends a response head; without a length the body runs until the connection closes.
    public func respond(status: String = "200 OK", contentType: String? = "text/event-stream", headers: [String] = []) async throws {
        var head = "HTTP/1.1 \(status)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        for header in headers { head += header + "\r\n" }
        head += "Connection: close\r\n\r\n"
        try await send(head)
    }

    /// Sends a complete response with a fixed-length body.
    public func respond(status: String, contentType: String, body: String, headers: [String] = []) async throws {
        try await respond(
            status: status,
            contentType: contentType,
            headers: headers + ["Content-Length: \(body.utf8.count)"]
        )
        try await send(body)
    }
}

/// A raw TCP server on loopback that answers each HTTP request with a script, and records every request.
///
/// Scripts write bytes directly, so a test can misbehave on purpose: cut a connection mid-event,
/// split line endings across reads, answer with any status or content type.
public final class ScriptedServer: Sendable {
    /// Runs for each request; `index` counts requests from 0. The connection closes when it returns.
    public typealias Script = @Sendable (_ request: RecordedRequest, _ index: Int, _ connection: ScriptedConnection) async throws -> Void

    public let port: Int
    private let recorded = Mutex<[RecordedRequest]>([])
    private let requestTimes = Mutex<[ContinuousClock.Instant]>([])
    private let closedConnections = Counter()

    private init(port: Int) {
        self.port = port
    }

    /// The requests received so far, in order.
    public var requests: [RecordedRequest] { recorded.withLock { $0 } }
    /// When each request arrived.
    public var arrivals: [ContinuousClock.Instant] { requestTimes.withLock { $0 } }
    /// How many connections the client has closed.
    public var clientClosures: Int { closedConnections.current }

    /// The URL of `path` on this server.
    public func url(_ path: String = "/events") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Starts a server running `script`, runs `body` with it, then stops it.
    public static func with<Result: Sendable>(
        _ script: @escaping Script,
        _ body: (ScriptedServer) async throws -> Result
    ) async throws -> Result {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: child,
                        configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                }
            }
        let server = ScriptedServer(port: channel.channel.localAddress!.port!)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await withThrowingDiscardingTaskGroup { connections in
                    try await channel.executeThenClose { inbound in
                        for try await connection in inbound {
                            connections.addTask { await server.serve(connection, script: script) }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body(server)
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, script: @escaping Script) async {
        try? await connection.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            guard let request = try await Self.readRequest(from: &iterator) else { return }
            let index = recorded.withLock { requests in
                requests.append(request)
                return requests.count - 1
            }
            requestTimes.withLock { $0.append(.now) }
            let clientClosed = Signal()
            let scripted = ScriptedConnection(outbound: outbound, clientClosed: clientClosed)
            let scriptFinished = Signal()
            let channel = connection.channel
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // A script that throws was writing to a connection the client had closed: only one
                    // that returns ends the connection from the server's side.
                    guard (try? await script(request, index, scripted)) != nil else { return }
                    scriptFinished.raise()
                    // A half-close goes out after every byte written; closing at once could drop some.
                    // The client closes on seeing it; if it does not, the connection is closed anyway.
                    outbound.finish()
                    channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
                }
                // The rest of the inbound stream only tells when the client hangs up.
                while (try? await iterator.next()) != nil {}
                if scriptFinished.instant == nil {
                    clientClosed.raise()
                    closedConnections.add(1)
                }
                try await group.waitForAll()
            }
        }
    }

    private static func readRequest(
        from iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    ) async throws -> RecordedRequest? {
        var received: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = try await iterator.next() else { return nil }
            received += chunk.readableBytesView
            headEnd = received.firstRange(of: separator)?.upperBound
        }
        let head = String(decoding: received[..<headEnd!], as: UTF8.self)
        var lines = head.split(separator: "\r\n").map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ")
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingPrefix(" ").description)
        }
        var request = RecordedRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: "")
        let length = request.header("Content-Length").flatMap { Int($0) } ?? 0
        var body = Array(received[headEnd!...])
        while body.count < length {
            guard let chunk = try await iterator.next() else { break }
            body += chunk.readableBytesView
        }
        request.body = String(decoding: body, as: UTF8.self)
        return request
    }
}

extension ScriptedServer {
    /// A script that opens an event stream, sends `text`, and keeps the connection open until the
    /// client closes it (or ten seconds pass).
    public static func streaming(_ text: String) -> Script {
        { _, _, connection in
            try await connection.respond()
            try await connection.send(text)
            _ = await connection.clientClosed.wait(upTo: .seconds(10))
        }
    }

    /// Waits until the client has closed at least one connection, and returns how many it has closed.
    @discardableResult
    public func waitForClientClosure() async throws -> Int {
        try await withHangGuard { [self] in
            while clientClosures == 0 { try await Task.sleep(for: .milliseconds(5)) }
            return clientClosures
        }
    }
}
