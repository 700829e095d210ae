import AsyncAlgorithms
public import Hummingbird
public import HummingbirdSSE
import NIOCore
import ServerSentEvents

/// The seed documents' examples as streams, under `/demo/…`, and the page that shows them at `/`.
public struct DemoRoutes: Sendable {
    /// How often the timed demos tick (the seeds use one or two seconds).
    public var interval: Duration
    /// The reconnection time the re-poll stream asks for, in milliseconds.
    public var repollRetry: Int
    /// What the streams have seen, served at `/demo/activity`.
    public let activity: DemoActivity
    /// A publisher token the page's hub panel fills in, served at `/demo/hub.json`; only for a hub
    /// running with its development key, since anyone who can load the page can read it.
    public var developmentPublisherToken: String?

    /// Creates the demo routes.
    public init(
        interval: Duration = .seconds(1),
        repollRetry: Int = 2000,
        activity: DemoActivity = DemoActivity(),
        developmentPublisherToken: String? = nil
    ) {
        self.interval = interval
        self.repollRetry = repollRetry
        self.activity = activity
        self.developmentPublisherToken = developmentPublisherToken
    }

    /// Adds the page and the demo streams to `router`.
    ///
    /// - Parameters:
    ///   - router: The router to add them to.
    ///   - openConnections: The server's open connections, which the page shows; `nil` when unknown.
    ///   - streamConfiguration: Each stream's configuration for its request (on HTTP/2, one that
    ///     does not end when the request's side of its stream closes).
    public func register<Context: RequestContext>(
        on router: Router<Context>,
        openConnections: @escaping @Sendable () -> Int? = { nil },
        streamConfiguration: @escaping @Sendable (Context) -> ServerSentEventStreamConfiguration = { _ in .init() }
    ) {
        let demo = self
        // The seeds' streams are for pages on any origin, as the seeds' own pages on other origins read
        // them: `Access-Control-Allow-Origin: *` on every demo route, wherever they are registered.
        let routes = router.group().add(
            middleware: CORSMiddleware(allowOrigin: .all, allowHeaders: [.lastEventID, .cacheControl], allowMethods: [.get])
        )
        routes.get("/") { _, _ in DemoAsset.page.response }
        routes.get("/demo.js") { _, _ in DemoAsset.script.response }
        // Browsers ask for it whatever the page says; without it, every page load logs a 404.
        routes.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        routes.get("/demo/activity") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: demo.activity.json(openConnections: openConnections())))
            )
        }
        routes.get("/demo/hub.json") { _, _ in
            var fields = [#""topic":"https://example.com/demo""#]
            if let token = demo.developmentPublisherToken { fields.append(#""publisherToken":"\#(token)""#) }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: "{" + fields.joined(separator: ",") + "}"))
            )
        }
        routes.get("/demo/time") { request, context in
            demo.stream(.time, for: request, configuration: streamConfiguration(context)) { _ in
                [ServerSentEvent(type: "server-time", data: WallClock.dateTime())]
            }
        }
        routes.get("/demo/multi") { request, context in
            demo.stream(.multi, for: request, configuration: streamConfiguration(context)) { tick in Self.multiEvents(tick) }
        }
        routes.get("/demo/json") { request, context in
            let after = request.lastEventID(queryParameter: "lastEventId").flatMap { Int($0) } ?? 0
            return demo.stream(.json, for: request, configuration: streamConfiguration(context), firstTick: after + 1) { tick in
                [Self.jsonEvent(tick)]
            }
        }
        routes.get("/demo/seeds") { request, context in
            // The three ticking streams in one: the page carries them over herald.js, so every tab
            // shares this one connection instead of opening three.
            let after = request.lastEventID(queryParameter: "lastEventId").flatMap { Int($0) } ?? 0
            return demo.stream(.seeds, for: request, configuration: streamConfiguration(context), firstTick: after + 1) { tick in
                [ServerSentEvent(type: "server-time", data: WallClock.dateTime())] + Self.multiEvents(tick) + [Self.jsonEvent(tick)]
            }
        }
        routes.get("/demo/wire") { request, context in
            // The seed's bytes as they are, then an idle stream, so the browser fires exactly five
            // events rather than reconnecting 15 s later for five more.
            let idle = TickingEvents(stream: .wire, activity: demo.activity, interval: .seconds(3600), firstTick: 1) { _ in [] }
            let bytes = ByteBuffer(string: SeedWireExample.text)
            let frames = chain([bytes].async, idle.map { _ in ByteBuffer() })
            return Response.serverSentEvents(encodedFrames: frames, for: request, configuration: streamConfiguration(context))
        }
        routes.get("/demo/repoll") { request, context in
            // The seed's script that sends one event and ends: the browser polls it again after
            // `retry`, sending the id it saw, and the count continues from there.
            let lastEventID = request.lastEventID(queryParameter: "lastEventId")
            demo.activity.repolled(lastEventID: lastEventID)
            let next = (lastEventID.flatMap { Int($0) } ?? 0) + 1
            let data =
                #"{"n":\#(next),"resumedFrom":"\#(lastEventID.map { String($0.prefix(32).filter(\.isNumber)) } ?? "")","time":"\#(WallClock.time())"}"#
            let event = ServerSentEvent(data: data, id: String(next), retry: demo.repollRetry)
            var configuration = streamConfiguration(context)
            configuration.heartbeatInterval = nil
            return Response.serverSentEvents([event].async, for: request, configuration: configuration)
        }
    }

    /// The multiple-event-types seed's events at `tick`.
    private static func multiEvents(_ tick: Int) -> [ServerSentEvent] {
        var events = [ServerSentEvent(type: "time", data: WallClock.time())]
        if tick % 5 == 0 { events.append(ServerSentEvent(type: "notification", data: "You have a new message!")) }
        if tick % 10 == 0 { events.append(ServerSentEvent(type: "status", data: "System running normally")) }
        return events
    }

    /// The JSON seed's event at `tick`, with the tick as its id.
    private static func jsonEvent(_ tick: Int) -> ServerSentEvent {
        ServerSentEvent(data: #"{"name":"Mr. Wang","date":"\#(WallClock.dateTime())"}"#, id: String(tick))
    }

    private func stream(
        _ stream: DemoActivity.Stream,
        for request: Request,
        configuration: ServerSentEventStreamConfiguration,
        firstTick: Int = 1,
        events: @escaping @Sendable (Int) -> [ServerSentEvent]
    ) -> Response {
        let ticker = TickingEvents(stream: stream, activity: activity, interval: interval, firstTick: firstTick, eventsAtTick: events)
        return Response.serverSentEvents(ticker, for: request, configuration: configuration)
    }
}
