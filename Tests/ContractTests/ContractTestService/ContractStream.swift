import EventSourceClient
import Hummingbird
import NIOHTTP1
import ServerSentEvents
import Synchronization

/// One `EventSource` the harness asked for, and the tasks that report what it receives.
final class ContractStream: Sendable {
    /// The harness sends events of up to 14 MB (two 5 MiB random strings in base64, on one line):
    /// this client expects large events and says so, as an application would.
    static let maxEventSize = 32 << 20

    private let source: EventSource
    private let callbacks: CallbackPoster
    /// The event types the harness said it listens for; "message" is always heard.
    private let listenedTypes = Mutex<Set<String>>(["message"])
    private let tasks = Mutex<[Task<Void, Never>]>([])

    init(parameters: StreamParameters, callbacks: CallbackPoster) throws {
        var headers = HTTPHeaders()
        for (name, value) in parameters.headers ?? [:] { headers.add(name: name, value: value) }
        var request = EventSourceRequest(
            url: parameters.streamUrl,
            method: parameters.method.map { HTTPMethod(rawValue: $0) } ?? .GET,
            headers: headers
        )
        if let body = parameters.body {
            request.body = ByteBuffer(string: body)
            if !request.headers.contains(name: "Content-Type") { request.headers.add(name: "Content-Type", value: "text/plain") }
        }
        var configuration = EventSource.Configuration(
            lastEventID: parameters.lastEventId ?? "",
            parser: .allowingEvents(upTo: Self.maxEventSize)
        )
        if let initialDelay = parameters.initialDelayMs { configuration.reconnectionTime = .milliseconds(initialDelay) }
        if let readTimeout = parameters.readTimeoutMs { configuration.readTimeout = .milliseconds(readTimeout) }
        self.source = EventSource(request: request, configuration: configuration)
        self.callbacks = callbacks
    }

    /// Starts the connection and the reporting.
    func start() {
        // Observe before iterating, so no change of the connection is missed.
        let changes = source.connectionEvents
        let messages = source.messages
        let reportErrors = Task { [callbacks] in
            for await change in changes {
                switch change {
                case .reconnecting(_, let reason) where reason.code == .restarted:
                    break  // asked for by the harness, not an error of the stream
                case .reconnecting(_, let reason):
                    callbacks.post(.error(String(describing: reason)))
                case .closed(let error?):
                    callbacks.post(.error(String(describing: error)))
                case .connecting, .open, .closed(nil):
                    break
                }
            }
        }
        let reportMessages = Task { [callbacks, self] in
            do {
                for try await message in messages {
                    switch message {
                    case .event(let event):
                        guard self.isListening(for: event.type) else { continue }
                        callbacks.post(.event(event))
                    case .comment(let text):
                        callbacks.post(.comment(text))
                    }
                }
            } catch {
                // Reported by `reportErrors`, which sees it as the connection's end.
            }
        }
        tasks.withLock { $0 = [reportErrors, reportMessages] }
    }

    private func isListening(for type: String) -> Bool {
        listenedTypes.withLock { $0.contains(type) }
    }

    func listen(for type: String) {
        _ = listenedTypes.withLock { $0.insert(type) }
    }

    func restart() {
        source.restart()
    }

    func close() {
        source.close()
        callbacks.finish()
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }
}
