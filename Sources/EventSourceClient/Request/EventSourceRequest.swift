public import NIOCore
public import NIOHTTP1

/// The HTTP request an ``EventSource`` sends, and sends again on every reconnection.
///
/// Any method, headers and body are allowed, so APIs that stream over `POST` with a JSON body work.
/// The body is held as bytes because it is sent again, unchanged, on each reconnection.
/// `Accept`, `Cache-Control` and `Last-Event-ID` are set by the event source and need not be given.
public struct EventSourceRequest: Sendable {
    /// The absolute `http` or `https` URL of the stream.
    public var url: String
    /// The request method; `GET` unless the API asks for another.
    public var method: HTTPMethod
    /// Extra request headers, such as `Authorization` or `Content-Type`.
    public var headers: HTTPHeaders
    /// The request body, sent on the first request and on every reconnection.
    public var body: ByteBuffer?

    /// A request for the stream at `url`.
    public init(url: String, method: HTTPMethod = .GET, headers: HTTPHeaders = [:], body: ByteBuffer? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }

    /// A request whose body is the UTF-8 bytes of `body`, such as a JSON document.
    public init(url: String, method: HTTPMethod, headers: HTTPHeaders = [:], body: String) {
        self.init(url: url, method: method, headers: headers, body: ByteBuffer(string: body))
    }
}
