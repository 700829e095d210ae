import ArgumentParser
import AsyncHTTPClient
import Dispatch
import EventSourceClient
import NIOCore
import NIOHTTP1
import ServerSentEvents

#if canImport(Glibc)
import Glibc
#endif

/// `herald listen URL`: `curl -N` for event streams, with reconnection and `Last-Event-ID` done right.
struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect to an event stream and print its events, reconnecting as a browser would.",
        discussion: """
            Examples:
              herald listen http://127.0.0.1:8080/demo/time
              herald listen --json --max-events 10 http://127.0.0.1:8080/demo/json
              herald listen -X POST -H 'Content-Type: application/json' -d @request.json https://api.example.com/v1/stream
            Events go to standard output; connections, reconnections and errors to standard error.
            Exits 0 after a clean end (HTTP 204, --max-events reached, Ctrl-C) and 1 on a fatal error.
            """
    )

    @Argument(help: "The http or https URL of the stream.")
    var url: String

    @OptionGroup var tls: TLSClientOptions

    @Option(name: [.customShort("X"), .customLong("request")], help: "The request method.")
    var method = "GET"

    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    @Option(name: [.customShort("d"), .customLong("data")], help: "The request body, or @FILE to read it from a file.")
    var data: String?

    @Option(help: "The Last-Event-ID to resume from.")
    var lastEventID: String?

    @Flag(help: "Stop when the connection ends instead of reconnecting.")
    var noReconnect = false

    @Flag(help: "Print one JSON object per event: {\"type\",\"data\",\"id\",\"retry\"}.")
    var json = false

    @Option(help: "Stop after this many events.")
    var maxEvents: Int?

    @Option(help: "Seconds without any bytes (not even a heartbeat) after which the connection counts as lost.")
    var readTimeout: Double = 300

    @Option(help: "The largest event (and line) accepted, in bytes; a larger one ends the stream with an error.")
    var maxEventSize = ServerSentEventParser.Configuration().maxEventDataLength

    @Flag(help: "Print comment lines (heartbeats) too, as ':text' (or {\"comment\":…} with --json).")
    var comments = false

    func validate() throws {
        if let maxEvents, maxEvents < 1 { throw ValidationError("--max-events must be at least 1.") }
        guard readTimeout > 0 else { throw ValidationError("--read-timeout must be positive.") }
        guard maxEventSize > 0 else { throw ValidationError("--max-event-size must be positive.") }
        for header in headers where ListenRequest.parseHeader(header) == nil {
            throw ValidationError("-H '\(header)' is not 'Name: value'.")
        }
    }

    func run() async throws {
        // Its own client only to trust another CA: the shared one lives for the whole process.
        let ownClient = try tls.configuration().map { EventSource.makeHTTPClient(tls: $0) }
        do {
            try await listen(httpClient: ownClient ?? EventSource.sharedHTTPClient)
        } catch {
            try? await ownClient?.shutdown()
            throw error
        }
        try? await ownClient?.shutdown()
    }

    private func listen(httpClient: HTTPClient) async throws {
        let request = try ListenRequest.make(url: url, method: method, headers: headers, data: data)
        let configuration = EventSource.Configuration(
            maxReconnectionAttempts: noReconnect ? 0 : nil,
            readTimeout: .milliseconds(Int64(readTimeout * 1000)),
            lastEventID: lastEventID ?? "",
            parser: .allowingEvents(upTo: maxEventSize)
        )
        let source = EventSource(request: request, configuration: configuration, httpClient: httpClient)
        let interrupt = InterruptHandler { source.close() }
        defer { interrupt.cancel() }
        let progress = Task { await Self.report(source.connectionEvents) }
        defer { progress.cancel() }

        let printer = EventPrinter(json: json, colour: !json && StandardStreams.outputIsTerminal)
        var count = 0
        do {
            for try await message in source.messages {
                let event: ServerSentEvent
                switch message {
                case .event(let received): event = received
                case .comment(let text):
                    if comments { printer.printComment(text) }
                    continue
                }
                printer.print(event)
                count += 1
                if let maxEvents, count >= maxEvents {
                    source.close()
                    break
                }
            }
        } catch {
            // With --no-reconnect, the server ending the stream is the expected end. (Compared, not
            // pattern-matched: Swift 6.3's optimiser crashes on that pattern of an indirect case.)
            if noReconnect, error == .reconnectionAttemptsExhausted(attempts: 0, lastReason: .streamEnded) { return }
            StandardStreams.printError("herald listen: \(error)")
            throw ExitCode(1)
        }
    }

    /// Prints connection changes to standard error as they happen.
    private static func report(_ changes: AsyncStream<EventSourceConnectionEvent>) async {
        for await change in changes {
            switch change {
            case .connecting(let url, let attempt) where attempt > 0:
                StandardStreams.printError("herald listen: reconnecting to \(url) (attempt \(attempt))")
            case .connecting:
                break
            case .open(let url):
                StandardStreams.printError("herald listen: connected to \(url)")
            case .reconnecting(let delay, let reason):
                StandardStreams.printError("herald listen: \(reason); retrying in \(describe(delay))")
            case .closed:
                return
            }
        }
    }
}

/// A delay as people read it: "250 ms", "3.8 s".
private func describe(_ delay: Duration) -> String {
    let milliseconds = Int((delay / .milliseconds(1)).rounded())
    if milliseconds < 1000 { return "\(milliseconds) ms" }
    return "\(milliseconds / 1000).\(milliseconds % 1000 / 100) s"
}

/// Calls a handler on Ctrl-C (SIGINT) instead of letting it kill the process, so the listener ends
/// cleanly with status 0.
private final class InterruptHandler {
    private let source: any DispatchSourceSignal

    init(_ handler: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
    }

    func cancel() {
        source.cancel()
    }
}
