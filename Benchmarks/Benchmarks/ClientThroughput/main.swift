// Reads one event stream to its end and prints {"events","bytes","seconds"} as JSON.
//   ClientThroughput eventsource URL   EventSource, as an application uses it
//   ClientThroughput adapter URL       async-http-client's body through ServerSentEvents' adapter
//   ClientThroughput bytes URL         async-http-client's body, unparsed: the transport's ceiling
import AsyncHTTPClient
import EventSourceClient
import NIOCore
import ServerSentEvents

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    let line = message + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else { fail("usage: ClientThroughput eventsource|adapter|bytes URL") }
let mode = arguments[1]
let url = arguments[2]

/// Reads the stream off the main actor, as a server or a library would; returns (events, data bytes).
nonisolated func read(mode: String, url: String) async throws -> (events: Int, bytes: Int) {
    var events = 0
    var bytes = 0
    switch mode {
    case "eventsource":
        let source = EventSource(url: url, configuration: .init(maxReconnectionAttempts: 0))
        do {
            for try await event in source.events {
                events += 1
                bytes &+= event.data.utf8.count
            }
        } catch {
            // The server closing after its last copy is the end of the run; anything else is a failure.
            guard error == .reconnectionAttemptsExhausted(attempts: 0, lastReason: .streamEnded) else { fail("\(error)") }
        }
    case "adapter", "bytes":
        let response = try await EventSource.sharedHTTPClient.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        if mode == "bytes" {
            for try await chunk in response.body {
                bytes += chunk.readableBytes
            }
        } else {
            let chunks = response.body.map { $0.readableBytesView }
            for try await event in chunks.serverSentEvents() {
                events += 1
                bytes &+= event.data.utf8.count
            }
        }
    default:
        fail("unknown mode \(mode)")
    }
    return (events, bytes)
}

let start = ContinuousClock.now
let (events, bytes) = try await read(mode: mode, url: url)
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(#"{"events":\#(events),"bytes":\#(bytes),"seconds":\#(seconds)}"#)
