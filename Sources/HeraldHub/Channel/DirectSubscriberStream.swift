import HTTPTypes
import HummingbirdSSE
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Serves a subscribe request on a connection the hub took from hummingbird (see
/// ``FirstRequestRouter``): a short task checks the request, writes the response head and the
/// history, and hands the live updates to a ``SubscriberChannelWriter``; then it ends.
///
/// A live subscriber is then a connection with one handler, a queue and a writer, and no task: the
/// memory a task keeps (its stack slabs, one per frame it ever reached) is what an idle subscriber
/// costs most, and a hub holds many. The stream ends when its queue ends (token expiry, write
/// timeout, shutdown, a client that fell behind or left): the writer writes what is queued, ends
/// the response and closes the connection.
struct DirectSubscriberStream: Sendable {
    let routes: MercureRoutes
    /// The `Server` header, as hummingbird sends it.
    let serverName: String?
    let crossOrigin: CrossOriginPolicy

    /// Whether `request` subscribes to a stream: a `GET` of the hub's path (a long poll, which is
    /// answered once and may be followed by more requests, stays with hummingbird).
    static func isSubscribeRequest(_ request: HTTPRequest) -> Bool {
        request.method == .get && MercureRoutes.targetsTheHub(request) && !MercureRoutes.isLongPoll(request)
    }

    /// Starts serving `request` on `channel`; call on the channel's event loop.
    func serve(_ request: HTTPRequest, on channel: any Channel) {
        Task { await run(request, on: channel) }
    }

    private func run(_ request: HTTPRequest, on channel: any Channel) async {
        routes.hub.logger.debug("subscribe request served by the hub", metadata: ["target": "\(request.path ?? "")"])
        switch await routes.openSubscription(request, connection: channel) {
        case .refused(let status, let message):
            await refuse(request, status: status, message: message, on: channel)
        case .streaming(let subscription, let headers):
            var fields = HTTPFields.serverSentEvents
            for field in headers { fields[field.name] = field.value }
            addCommonHeaders(to: &fields, for: request)
            let lease = subscription.lease
            do {
                try await Self.beginStream(HTTPResponse(status: .ok, headerFields: fields), on: channel)
                var frames = subscription.frames.makeAsyncIterator()
                while let batch = try await frames.nextHistoryBatch() {
                    // Framed as a chunk around the page's bytes, not copied into one: a client slow to
                    // read holds one page, not two.
                    channel.write(HTTP1Chunk.head(size: batch.readableBytes), promise: nil)
                    channel.write(batch, promise: nil)
                    try await channel.writeAndFlush(HTTP1Chunk.tail)
                }
                let live = frames
                try await channel.eventLoop.submit {
                    _ = try live.startWritingLive(on: channel, endOfStream: .byTheWriter(lease))
                }.get()
            } catch {
                routes.hub.logger.debug("a subscriber's stream ended before it went live", metadata: ["error": "\(error)"])
                lease.close()
                channel.close(promise: nil)
            }
        }
    }

    /// Writes the response head through the HTTP handlers, then takes them out of the pipeline: the
    /// rest of the body is written as HTTP/1.1 chunks straight to the socket, and nothing more the
    /// client sends is of interest.
    private static func beginStream(_ head: HTTPResponse, on channel: any Channel) async throws {
        try await channel.eventLoop.flatSubmit {
            let pipeline = channel.pipeline.syncOperations
            pipeline.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
            // An empty comment first, as the router's streams send: it gets the head past proxies
            // that hold a response until its body starts, and tells the client the stream is open.
            let written = pipeline.writeAndFlush(NIOAny(HTTPResponsePart.body(ByteBuffer(string: ":\n"))))
            // The head is encoded as it is written, so the encoders can go at once.
            if let router = try? pipeline.handler(type: FirstRequestRouter.self) { pipeline.removeHandler(router, promise: nil) }
            if let publishing = try? pipeline.handler(type: DirectPublishHandler.self) { pipeline.removeHandler(publishing, promise: nil) }
            if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) { pipeline.removeHandler(codec, promise: nil) }
            if let encoder = try? pipeline.handler(type: HTTPResponseEncoder.self) { pipeline.removeHandler(encoder, promise: nil) }
            if let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) {
                pipeline.removeHandler(decoder, promise: nil)
            }
            return written
        }.get()
    }

    /// Answers with an error and closes the connection, which hummingbird no longer serves.
    private func refuse(_ request: HTTPRequest, status: HTTPResponse.Status, message: String, on channel: any Channel) async {
        let body = ByteBuffer(string: message + "\n")
        var fields: HTTPFields = [
            .contentType: "text/plain; charset=utf-8",
            .contentLength: String(body.readableBytes),
            .connection: "close",
        ]
        addCommonHeaders(to: &fields, for: request)
        let head = HTTPResponse(status: status, headerFields: fields)
        channel.write(HTTPResponsePart.head(head), promise: nil)
        channel.write(HTTPResponsePart.body(body), promise: nil)
        try? await channel.writeAndFlush(HTTPResponsePart.end(nil))
        try? await channel.close()
    }

    /// What hummingbird and its middleware add to every response.
    func addCommonHeaders(to fields: inout HTTPFields, for request: HTTPRequest) {
        crossOrigin.addResponseHeaders(to: &fields, for: request)
        fields[.date] = HTTPDate.now()
        if let serverName { fields[.server] = serverName }
    }
}
