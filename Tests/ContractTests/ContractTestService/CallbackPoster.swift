import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEvents

/// Posts a stream's callbacks to the harness one after another, numbered from 1 in the order they
/// were posted, as the spec asks (the harness sorts them by that number).
final class CallbackPoster: Sendable {
    enum Callback: Sendable {
        case event(ServerSentEvent)
        case comment(String)
        case error(String)
    }

    private let continuation: AsyncStream<Callback>.Continuation

    init(baseURL: String, client: HTTPClient) {
        let (callbacks, continuation) = AsyncStream.makeStream(of: Callback.self)
        self.continuation = continuation
        Task {
            var counter = 0
            for await callback in callbacks {
                counter += 1
                var request = HTTPClientRequest(url: "\(baseURL)/\(counter)")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: Self.json(callback)))
                do {
                    let response = try await client.execute(request, timeout: .seconds(10))
                    _ = try await response.body.collect(upTo: 1 << 20)
                } catch {
                    // The harness closes a test's callback endpoint when the test ends.
                    print("callback \(counter) to \(baseURL) failed: \(error)")
                }
            }
        }
    }

    func post(_ callback: Callback) {
        continuation.yield(callback)
    }

    func finish() {
        continuation.finish()
    }

    private static func json(_ callback: Callback) -> Data {
        let object: [String: Any]
        switch callback {
        case .event(let event):
            var fields: [String: Any] = ["type": event.type, "data": event.data]
            if let id = event.id { fields["id"] = id }
            object = ["kind": "event", "event": fields]
        case .comment(let text):
            object = ["kind": "comment", "comment": text]
        case .error(let message):
            object = ["kind": "error", "error": message]
        }
        return (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }
}
