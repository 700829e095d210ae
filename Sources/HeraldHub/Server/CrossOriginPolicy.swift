import HTTPTypes
import Hummingbird
import HummingbirdSSE

/// Which pages on other origins may read Herald's responses.
///
/// The hub's routes (subscribe, publish, the subscriptions API) answer only the origins an operator
/// names, as the reference hub does: a named origin is also allowed credentials, so a page there
/// subscribes with the `mercureAuthorization` cookie (`withCredentials`) and receives private
/// updates; `*` lets any page read public updates, without credentials (browsers refuse credentials
/// with `*`, and echoing any origin with them would let every site read a user's private updates).
/// Everything else (the seeds' demo streams, `herald.js`) is readable from any origin, as the seeds'
/// pages on other origins read their streams.
///
/// One policy for both ways a response is written: through hummingbird's router
/// (its middleware), and a subscriber's stream written straight to its connection.
public struct CrossOriginPolicy: Sendable {
    /// The origins allowed to read the hub's responses (`https://app.example.com`), or `*`.
    public var hubOrigins: [String]

    /// A policy allowing `hubOrigins` on the hub's routes; none by default (same origin only).
    public init(hubOrigins: [String] = []) {
        // Origins as browsers send them: scheme, host and port, lowercased, without a trailing slash.
        self.hubOrigins = hubOrigins.map { $0 == "*" ? $0 : String($0.lowercased().reversed().drop { $0 == "/" }.reversed()) }
    }

    static let allowedHeaders: [HTTPField.Name] = [.lastEventID, .cacheControl, .authorization, .contentType]
    static let allowedMethods: [HTTPRequest.Method] = [.get, .post]
    /// How long a browser may keep a preflight's answer, in seconds.
    static let preflightMaxAge = "600"

    /// What a response to `request` adds, for a request from another origin that may read it.
    func responseHeaders(for request: HTTPRequest) -> HTTPFields {
        guard let origin = request.headerFields[.origin] else { return [:] }
        var fields = HTTPFields()
        guard isHubPath(request.path) else {
            fields[.accessControlAllowOrigin] = "*"
            return fields
        }
        // Caches must keep one answer per origin, whether or not this one is allowed.
        fields[.vary] = "Origin"
        if hubOrigins.contains(where: { $0 != "*" && $0 == origin.lowercased() }) {
            fields[.accessControlAllowOrigin] = origin
            fields[.accessControlAllowCredentials] = "true"
        } else if hubOrigins.contains("*") {
            fields[.accessControlAllowOrigin] = "*"
        } else {
            return fields
        }
        fields[.accessControlExposeHeaders] = HTTPField.Name.lastEventID.rawName
        return fields
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`),
    /// `nil` for any other request. A disallowed origin gets an answer without the allowing headers,
    /// which the browser treats as a refusal.
    func preflightResponse(for request: HTTPRequest) -> Response? {
        guard request.method == .options, request.headerFields[.origin] != nil,
            request.headerFields[.accessControlRequestMethod] != nil
        else { return nil }
        var fields = responseHeaders(for: request)
        if fields[.accessControlAllowOrigin] != nil {
            fields[.accessControlAllowMethods] = Self.allowedMethods.map(\.rawValue).joined(separator: ", ")
            fields[.accessControlAllowHeaders] = Self.allowedHeaders.map(\.rawName).joined(separator: ", ")
            fields[.accessControlMaxAge] = Self.preflightMaxAge
        }
        return Response(status: .noContent, headers: fields)
    }

    /// Adds to `fields` what the middleware adds to a response to `request` (other than a preflight).
    func addResponseHeaders(to fields: inout HTTPFields, for request: HTTPRequest) {
        for field in responseHeaders(for: request) { fields[field.name] = field.value }
    }

    private func isHubPath(_ target: String?) -> Bool {
        guard let target else { return false }
        return target.hasPrefix(MercureRoutes.path)
    }

    /// The middleware applying the policy to the router's responses.
    func middleware<Context: RequestContext>() -> Middleware<Context> {
        Middleware(policy: self)
    }

    struct Middleware<Context: RequestContext>: RouterMiddleware {
        let policy: CrossOriginPolicy

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            guard request.headers[.origin] != nil else { return try await next(request, context) }
            if let preflight = policy.preflightResponse(for: request.head) { return preflight }
            do {
                var response = try await next(request, context)
                policy.addResponseHeaders(to: &response.headers, for: request.head)
                return response
            } catch let error as any HTTPResponseError {
                // An error answered by hummingbird is still readable by the page that is allowed.
                var response = try error.response(from: request, context: context)
                policy.addResponseHeaders(to: &response.headers, for: request.head)
                return response
            }
        }
    }
}
