import HTTPTypes
import Hummingbird
import HummingbirdSSE

/// Herald's cross-origin policy: pages on any origin may read its responses, as the seeds' pages on
/// other origins read its streams. One policy for both ways a response is written: through
/// hummingbird's router, and a subscriber's stream written straight to its connection.
enum CrossOriginPolicy {
    static let allowedHeaders: [HTTPField.Name] = [.lastEventID, .cacheControl, .authorization, .contentType]
    static let allowedMethods: [HTTPRequest.Method] = [.get, .post]

    /// The middleware applying the policy to the router's responses.
    static func middleware<Context: RequestContext>() -> CORSMiddleware<Context> {
        CORSMiddleware(allowOrigin: .all, allowHeaders: allowedHeaders, allowMethods: allowedMethods)
    }

    /// Adds to `fields` what the middleware adds to a response to `request` (other than a preflight).
    static func addResponseHeaders(to fields: inout HTTPFields, for request: HTTPRequest) {
        if request.headerFields[.origin] != nil { fields[.accessControlAllowOrigin] = "*" }
    }
}
