import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEvents
import Synchronization

/// An open `text/event-stream` response, read as raw bytes and as parsed events.
final class EventStreamClient: @unchecked Sendable {
    // Used from one test task at a time: the iterator and parser are not shared.
    let status: UInt
    let headers: HTTPHeaders
    /// The HTTP version the response came with.
    let version: HTTPVersion
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var parser = ServerSentEventParser()
    private var pending: [ServerSentEvent] = []
    /// Every byte received so far.
    private(set) var received: [UInt8] = []
    private(set) var ended = false
    private let request: HTTPClientRequest

    private init(request: HTTPClientRequest, response: HTTPClientResponse) {
        self.request = request
        self.status = response.status.code
        self.headers = response.headers
        self.version = response.version
        self.iterator = response.body.makeAsyncIterator()
    }

    static func open(_ url: String, headers: [(String, String)] = [], client: HTTPClient? = nil) async throws -> EventStreamClient {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await (client ?? TestCertificates.client(for: url)).execute(request, timeout: .seconds(30))
        return EventStreamClient(request: request, response: response)
    }

    /// The next event, waiting for it; `nil` when the stream ends first.
    func next() async throws -> ServerSentEvent? {
        while pending.isEmpty {
            guard try await readChunk() else { return nil }
        }
        return pending.removeFirst()
    }

    /// The next `count` events; fails if the stream ends first.
    func next(_ count: Int) async throws -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        while events.count < count {
            guard let event = try await next() else { throw StreamEnded(received: events.count, expected: count) }
            events.append(event)
        }
        return events
    }

    /// Reads until at least `count` bytes arrived or the stream ended; returns all bytes so far as text.
    func text(atLeast count: Int) async throws -> String {
        while received.count < count, try await readChunk() {}
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads until the server ends the stream; returns whether it did (rather than erroring).
    func readToEnd() async throws {
        while try await readChunk() {}
    }

    private func readChunk() async throws -> Bool {
        guard !ended, let chunk = try await iterator.next() else {
            ended = true
            return false
        }
        let bytes = Array(chunk.readableBytesView)
        received += bytes
        parser.parse(bytes) { output in
            if case .success(let event) = output { pending.append(event) }
        }
        return true
    }
}

struct StreamEnded: Error, CustomStringConvertible {
    let received: Int
    let expected: Int
    var description: String { "the stream ended after \(received) of \(expected) events" }
}
