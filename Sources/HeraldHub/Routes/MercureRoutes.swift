import Foundation
public import Hummingbird
import HummingbirdSSE
import Logging
import NIOCore

/// The Mercure endpoints: subscribe (`GET /.well-known/mercure`), publish (`POST`), the
/// subscriptions API, and `/metrics`.
///
/// Registered on any hummingbird router, each subscriber's stream is a response of that router.
/// ``HeraldServer`` also serves the subscribe requests that open a connection itself, from the
/// connection's event loop, which holds many more idle subscribers in the same memory.
public struct MercureRoutes: Sendable {
    /// The hub the routes serve.
    public let hub: Hub

    /// The hub's path, as Mercure sets it.
    static let path = "/.well-known/mercure"

    /// The most `topic` parameters one subscription may have.
    static let maximumTopics = 1000

    /// Routes for `hub`.
    public init(hub: Hub) {
        self.hub = hub
    }

    /// Adds the hub's routes to `router`.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        let routes = self
        router.get(RouterPath(Self.path)) { request, context in
            // Under Herald's own context, live updates are written straight to the connection.
            let connection = (context as? HeraldRequestContext)?.channel
            let isHTTP2 = (context as? HeraldRequestContext)?.isHTTP2 ?? false
            // Prepared in a child task: the memory of its deeper calls (authorization, history
            // look-ups, the subscription event) is released when it ends, where a task keeps what
            // its deepest call needed for as long as it lives: here, as long as the stream lasts.
            async let response = routes.subscribe(request, connection: connection, isHTTP2: isHTTP2)
            return await response
        }
        router.post(RouterPath(Self.path)) { request, _ in await routes.publish(request) }
        router.get("/.well-known/mercure/subscriptions") { request, _ in await routes.subscriptions(request) }
        router.get("/.well-known/mercure/subscriptions/**") { request, _ in await routes.subscriptions(request) }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: routes.hub.metrics.text()))
            )
        }
    }

    // MARK: - Subscribe

    private func subscribe(_ request: Request, connection: (any Channel)?, isHTTP2: Bool) async -> Response {
        let longPoll = Self.isLongPoll(request.head)
        // A poll is not announced as a subscription: it would add two updates to history per poll.
        switch await openSubscription(request.head, connection: longPoll ? nil : connection, announced: !longPoll) {
        case .refused(let status, let message):
            return Self.error(status, message)
        case .streaming(let subscription, var headers) where longPoll:
            let answer: LongPoll.Answer
            do {
                answer = try await LongPoll(subscription: subscription, timeout: hub.configuration.longPollTimeout).answer()
            } catch {
                return Self.error(.serviceUnavailable, "the hub could not read its history (\(error)); try again")
            }
            headers[.lastEventID] = answer.lastEventID
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: answer.body))
        case .streaming(let subscription, let headers):
            let closer = subscription.lease.subscriber.closer
            if isHTTP2, let stream = connection {
                // The client resets the stream, or the connection goes: nothing else tells an idle stream.
                stream.closeFuture.whenComplete { _ in closer.fire(.clientClosed) }
            }
            return Response.serverSentEvents(
                encodedFrames: subscription.frames,
                for: request,
                configuration: Self.streamConfiguration(endsWhenRequestSideCloses: !isHTTP2),
                headers: headers,
                closer: closer
            )
        }
    }

    /// How a subscriber's stream is written: the hub sends heartbeats itself (one sweep for all
    /// subscribers), so the response's own heartbeat timer and task are left out, and the task
    /// writing the response pulls the frames itself.
    private static func streamConfiguration(endsWhenRequestSideCloses: Bool) -> ServerSentEventStreamConfiguration {
        var configuration = ServerSentEventStreamConfiguration(
            heartbeatInterval: nil,
            initialComment: "",
            endsWhenRequestSideCloses: endsWhenRequestSideCloses
        )
        configuration.pullsEventsOnWritingTask = true
        return configuration
    }

    /// Whether `request` asks for one answer rather than a stream (``LongPoll``).
    static func isLongPoll(_ request: HTTPRequest) -> Bool {
        let value = FormFields(Substring(query(of: request))).first(LongPoll.parameter)
        return value != nil && value != "0" && value != "false"
    }

    /// What the hub answers a subscribe request.
    enum SubscribeAnswer: Sendable {
        /// An error response.
        case refused(HTTPResponse.Status, String)
        /// A stream, with the response headers it adds to those of every event stream.
        case streaming(Subscription, HTTPFields)
    }

    /// Checks a subscribe request and, if it may subscribe, registers its subscriber: the part of
    /// subscribing that is the same however the stream is then written.
    func openSubscription(_ request: HTTPRequest, connection: (any Channel)?, announced: Bool = true) async -> SubscribeAnswer {
        let query = FormFields(Substring(Self.query(of: request)))
        if let malformed = query.firstMalformed(of: ["topic", "lastEventID", "authorization"]) {
            return .refused(.badRequest, #"Invalid "\#(malformed)" parameter: a malformed percent-escape, or not UTF-8"#)
        }
        let topics = query.values("topic")
        guard !topics.isEmpty else { return .refused(.badRequest, #"Missing "topic" parameter"#) }
        guard topics.count <= Self.maximumTopics else {
            return .refused(.badRequest, "\(topics.count) topics given; at most \(Self.maximumTopics) are allowed")
        }
        let claims: MercureClaims?
        do {
            claims = try await authorize(
                request,
                query: query,
                verifier: hub.subscriberTokens,
                required: !hub.configuration.allowsAnonymousSubscribers
            )
        } catch {
            return .refused(error.status, error.description)
        }
        // The header wins over the query parameter, as Mercure says.
        let lastEventID =
            request.headerFields[.lastEventID].flatMap { $0.isEmpty ? nil : $0 }
            ?? query.first("lastEventID").flatMap { $0.isEmpty ? nil : $0 }
        let subscription: Subscription
        do {
            subscription = try await hub.subscribe(
                topics: topics,
                claims: claims,
                lastEventID: lastEventID,
                connection: connection,
                announced: announced
            )
        } catch is HubShuttingDown {
            return .refused(.serviceUnavailable, "the hub is shutting down; reconnect shortly")
        } catch {
            hub.logger.error("could not start a subscription", metadata: ["error": "\(error)"])
            return .refused(.serviceUnavailable, "the hub could not read its history (\(error)); try again")
        }
        var headers: HTTPFields = [
            .contentType: "text/event-stream",
            .cacheControl: "private, no-cache, no-store, must-revalidate, max-age=0",
        ]
        if let responseLastEventID = subscription.responseLastEventID { headers[.lastEventID] = responseLastEventID }
        return .streaming(subscription, headers)
    }

    // MARK: - Publish

    private func publish(_ request: Request) async -> Response {
        let maximumBody = hub.configuration.maximumPublishBodyBytes
        // Authorized before the body is read: a stranger's body is not read at all.
        let allowed: [TopicSelector]
        switch await authorizePublisher(request.head) {
        case .allowed(let selectors): allowed = selectors
        case .refused(let answer): return answer.response
        }
        let body: ByteBuffer
        do {
            var request = request
            body = try await request.collectBody(upTo: maximumBody)
        } catch is NIOTooManyBytesError {
            return Self.error(.contentTooLarge, "the update is larger than the hub accepts (\(maximumBody) bytes)")
        } catch {
            return Self.error(.badRequest, "the request body could not be read")
        }
        return await publish(body: body, allowed: allowed).response
    }

    /// What a publish is answered: a status and a line of plain text, the update's id or what went wrong.
    struct PublishAnswer: Sendable {
        let status: HTTPResponse.Status
        let text: String

        /// The update's id: published.
        static func published(_ id: String) -> PublishAnswer {
            PublishAnswer(status: .ok, text: id)
        }

        /// Refused with `status`, saying why on a line of its own, as ``MercureRoutes``'s errors do.
        static func refused(_ status: HTTPResponse.Status, _ message: String) -> PublishAnswer {
            PublishAnswer(status: status, text: message + "\n")
        }

        static func refused(_ error: some HTTPResponseError & CustomStringConvertible) -> PublishAnswer {
            refused(error.status, error.description)
        }

        /// As hummingbird's route answers it.
        var response: Response {
            .plainText(text, status: status)
        }
    }

    private enum PublisherAuthorization {
        case allowed([TopicSelector])
        case refused(PublishAnswer)
    }

    private func authorizePublisher(_ head: HTTPRequest) async -> PublisherAuthorization {
        let query = FormFields(Self.query(of: head))
        let claims: MercureClaims?
        do throws(AuthorizationError) {
            claims = try await authorize(head, query: query, verifier: hub.publisherTokens, required: true)
        } catch {
            return .refused(.refused(error))
        }
        guard let publishSelectors = claims?.mercure?.publish else {
            return .refused(.refused(.unauthorized, #"the token has no "mercure.publish" claim, so it may not publish"#))
        }
        return .allowed(hub.selectors.selectors(publishSelectors))
    }

    /// Publishes the update whose form is `body`, a request's whole body, if the request may: the
    /// publish route's work once the body is read, shared by hummingbird's route and the hub's own
    /// handling of publishes on a connection's event loop (``DirectPublishHandler``).
    func publish(_ head: HTTPRequest, body: ByteBuffer) async -> PublishAnswer {
        switch await authorizePublisher(head) {
        case .allowed(let selectors): return await publish(body: body, allowed: selectors)
        case .refused(let answer): return answer
        }
    }

    /// Publishes the update whose form is `body`, if its topics are within `allowed`.
    private func publish(body: ByteBuffer, allowed: [TopicSelector]) async -> PublishAnswer {
        // Checked as bytes: a String made from them would replace invalid UTF-8 without a word.
        guard let bodyText = String(validating: body.readableBytesView, as: UTF8.self) else {
            return .refused(.badRequest, "the request body is not UTF-8")
        }
        let form = FormFields(Substring(bodyText))
        if let malformed = form.firstMalformed(of: ["topic", "data", "id", "type", "retry", "private"]) {
            return .refused(.badRequest, #"Invalid "\#(malformed)" parameter: a malformed percent-escape, or not UTF-8"#)
        }
        let publishRequest: PublishRequest
        do {
            publishRequest = try PublishRequest(form: form)
        } catch {
            return .refused(error)
        }
        let update = publishRequest.update
        for topic in update.topics where !allowed.contains(where: { $0.matches(topic) }) {
            return .refused(.forbidden, "the token may not publish to \(topic)")
        }
        do {
            try await hub.publish(update)
        } catch {
            hub.logger.error("could not store an update", metadata: ["error": "\(error)"])
            // 503, not 500: the request was fine and the same one may succeed once the store does.
            return .refused(.serviceUnavailable, "the hub could not store the update (\(error)); it was not published, try again")
        }
        return .published(update.id)
    }

    // MARK: - Subscriptions API

    private func subscriptions(_ request: Request) async -> Response {
        guard hub.configuration.subscriptionEvents else {
            return Self.error(.notFound, "the subscriptions API is turned off on this hub")
        }
        let query = FormFields(Substring(request.uri.query ?? ""))
        let path = Self.rawPath(of: request)
        do {
            let claims = try await authorize(request.head, query: query, verifier: hub.subscriberTokens, required: true)
            let allowed = hub.selectors.selectors(claims?.mercure?.subscribe ?? [])
            guard allowed.contains(where: { $0.matches(path) }) else {
                throw AuthorizationError.forbidden("the token's mercure.subscribe does not cover \(path)")
            }
        } catch let error as AuthorizationError {
            return Self.error(error)
        } catch {
            return Self.error(.unauthorized, "\(error)")
        }
        let segments = path.dropFirst(SubscriptionsPath.collection.count).split(separator: "/", omittingEmptySubsequences: true)
        guard segments.count <= 2 else { return Self.error(.notFound, "no such subscription resource") }
        let topic = segments.first.map { FormFields.percentDecoded(String($0)) }
        let subscriberID = segments.count == 2 ? FormFields.percentDecoded(String(segments[1])) : nil
        let lastEventID: String
        let active: [ActiveSubscription]
        do {
            lastEventID = try await hub.lastEventID()
            active = try await hub.activeSubscriptions()
        } catch {
            return Self.error(.serviceUnavailable, "the hub could not read its history or subscriptions (\(error)); try again")
        }
        var documents: [SubscriptionDocument] = []
        for subscription in active
        where (subscriberID == nil || subscription.subscriber == subscriberID) && (topic == nil || subscription.topic == topic) {
            documents.append(
                SubscriptionDocument(
                    topic: subscription.topic,
                    subscriber: subscription.subscriber,
                    active: true,
                    payload: subscription.payload.flatMap(Hub.jsonValue),
                    withContext: subscriberID != nil,
                    lastEventID: subscriberID != nil ? lastEventID : nil
                )
            )
        }
        documents.sort { $0.id < $1.id }
        let json: String
        do {
            if subscriberID != nil {
                guard let document = documents.first else { return Self.error(.notFound, "no active subscription at \(path)") }
                json = try Hub.json(document)
            } else {
                json = try Hub.json(SubscriptionCollectionDocument(id: path, lastEventID: lastEventID, subscriptions: documents))
            }
        } catch {
            return Self.error(.internalServerError, "the subscriptions could not be encoded")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/ld+json", .cacheControl: "must-revalidate"],
            body: .init(byteBuffer: ByteBuffer(string: json))
        )
    }

    // MARK: - Helpers

    /// The verified claims of the request's token; `nil` when it has none and none is `required`.
    private func authorize(
        _ request: HTTPRequest,
        query: FormFields,
        verifier: TokenKey,
        required: Bool
    ) async throws(AuthorizationError) -> MercureClaims? {
        let extractor = TokenExtractor(cookieName: hub.configuration.cookieName, publishOrigins: hub.configuration.publishOrigins)
        guard let token = try extractor.token(of: request, query: query) else {
            if required { throw .missingToken }
            return nil
        }
        return try await verifier.verify(token)
    }

    /// Whether the request's target is the hub's path, whatever its query.
    static func targetsTheHub(_ request: HTTPRequest) -> Bool {
        guard let target = request.path else { return false }
        return target.prefix { $0 != "?" && $0 != "#" } == path
    }

    /// The query of the request's target, without the `?`; empty when it has none.
    static func query(of request: HTTPRequest) -> Substring {
        guard let path = request.path, let mark = path.firstIndex(of: "?") else { return "" }
        return path[path.index(after: mark)...].prefix { $0 != "#" }
    }

    /// The request's path as sent, percent-escapes kept, so `%2F` inside a segment stays inside it.
    private static func rawPath(of request: Request) -> String {
        let uri = request.uri.string
        return String(uri.prefix { $0 != "?" && $0 != "#" })
    }

    /// The answer to an error that knows its status, with its description as the body.
    private static func error(_ error: some HTTPResponseError & CustomStringConvertible) -> Response {
        Self.error(error.status, error.description)
    }

    private static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        .plainText(message + "\n", status: status)
    }
}
