import Foundation
import Hummingbird

/// Finds the token of a request where Mercure says to look, in its order of precedence: the
/// `Authorization: Bearer` header, else the `authorization` query parameter, else the cookie.
struct TokenExtractor: Sendable {
    /// The cookie holding a token. Default `mercureAuthorization`.
    var cookieName = "mercureAuthorization"
    /// Origins allowed to publish with a cookie; `*` allows any.
    var publishOrigins: [String] = []

    /// The token of `request`, or `nil` if it has none.
    ///
    /// A cookie on a POST is returned only when the request's `Origin` (or else the origin of its
    /// `Referer`) is a publish origin: a browser sends cookies with cross-site form posts, so without
    /// that check any site could publish as a logged-in user.
    func token(of request: HTTPRequest, query: FormFields) throws(AuthorizationError) -> String? {
        if let header = request.headerFields[.authorization] {
            let prefix = "Bearer "
            guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased() else {
                throw .invalidToken("the Authorization header must be 'Bearer <JWT>'")
            }
            return String(header.dropFirst(prefix.count)).trimmingSpaces
        }
        if let token = query.first("authorization") { return token }
        guard let cookie = Cookies(from: request.headerFields[values: .cookie])[cookieName]?.value, !cookie.isEmpty else { return nil }
        if request.method == .post {
            let origin = request.headerFields[.origin] ?? request.headerFields[.referer].flatMap(Self.origin(ofURL:))
            guard let origin, publishOrigins.contains(where: { $0 == "*" || $0 == origin }) else {
                throw .originNotAllowed(origin)
            }
        }
        return cookie
    }

    /// `scheme://host[:port]` of a URL.
    private static func origin(ofURL url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let afterScheme = url[schemeEnd.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty else { return nil }
        return String(url[..<schemeEnd.upperBound]) + String(authority)
    }
}

extension String {
    /// Without leading and trailing spaces; found in the UTF-8 view, as every publish asks for it.
    fileprivate var trimmingSpaces: String {
        guard let first = utf8.firstIndex(where: { $0 != 0x20 }), let last = utf8.lastIndex(where: { $0 != 0x20 }) else {
            return ""
        }
        return String(self[first...last])
    }
}
