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

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    fputs("usage: ClientThroughput eventsource|adapter|bytes URL\n", stderr)
    exit(2)
}
let mode = arguments[1]
let url = arguments[2]

let start = ContinuousClock.now
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
    } catch .reconnectionAttemptsExhausted(_, .streamEnded) {
        // The server closed after its last copy: the end of the run.
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
    fputs("unknown mode \(mode)\n", stderr)
    exit(2)
}
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(#"{"events":\#(events),"bytes":\#(bytes),"seconds":\#(seconds)}"#)
