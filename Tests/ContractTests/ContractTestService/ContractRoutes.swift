import Foundation
import Hummingbird

/// The service's REST resources: status, create, command, close, and stop.
struct ContractRoutes: Sendable {
    /// Every capability the harness (v2.31.0) knows; the service implements all of them.
    static let capabilities = [
        "bom", "comments", "event-type-listeners", "headers", "last-event-id", "post", "read-timeout",
        "report", "restart", "server-directed-shutdown-request",
    ]

    let streams: ContractStreams

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            try Self.json(["capabilities": Self.capabilities])
        }
        router.delete("/") { _, _ in
            // Answer first, then quit: the harness waits for the answer.
            Task {
                try? await Task.sleep(for: .milliseconds(100))
                exit(0)
            }
            return HTTPResponse.Status.noContent
        }
        router.post("/") { request, context in
            let body = try await request.body.collect(upTo: 1 << 20)
            let parameters: StreamParameters
            do {
                parameters = try JSONDecoder().decode(StreamParameters.self, from: Data(body.readableBytesView))
            } catch {
                throw HTTPError(.badRequest, message: "invalid stream parameters: \(error)")
            }
            let location = try await streams.create(parameters)
            return Response(status: .created, headers: [.location: location])
        }
        router.post("/streams/:id") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let command = try? JSONDecoder().decode(StreamCommand.self, from: Data(body.readableBytesView)) else {
                throw HTTPError(.badRequest, message: "invalid command")
            }
            guard let stream = await streams.stream(id) else { throw HTTPError(.notFound) }
            switch command.command {
            case "restart":
                stream.restart()
            case "listen":
                guard let type = command.listen?.type else { throw HTTPError(.badRequest, message: "listen needs a type") }
                stream.listen(for: type)
            default:
                throw HTTPError(.badRequest, message: "unknown command \(command.command)")
            }
            return HTTPResponse.Status.accepted
        }
        router.delete("/streams/:id") { _, context in
            let id = try context.parameters.require("id", as: Int.self)
            guard await streams.close(id) else { throw HTTPError(.notFound) }
            return HTTPResponse.Status.noContent
        }
        return router
    }

    private static func json(_ value: some Encodable) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// The body of "create stream".
struct StreamParameters: Decodable, Sendable {
    var streamUrl: String
    var callbackUrl: String
    var tag: String?
    var initialDelayMs: Int?
    var readTimeoutMs: Int?
    var lastEventId: String?
    var headers: [String: String]?
    var method: String?
    var body: String?
}

/// The body of "send command".
struct StreamCommand: Decodable, Sendable {
    struct Listen: Decodable, Sendable {
        var type: String
    }

    var command: String
    var listen: Listen?
}
