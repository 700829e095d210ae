/// Why a request was refused: 401 for a missing or bad token, 403 for a token that does not allow it.
public enum AuthorizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No token where one is required.
    case missingToken
    /// A token whose signature, algorithm or format is wrong.
    case invalidToken(String)
    /// A token past its `exp`.
    case expiredToken
    /// A cookie sent with a POST from an origin not in the publish origins (cross-site request forgery).
    case originNotAllowed(String?)
    /// A valid token whose claims do not cover what was asked.
    case forbidden(String)

    /// The HTTP status: 403 for `forbidden`, 401 otherwise.
    public var status: Int {
        if case .forbidden = self { return 403 }
        return 401
    }

    public var description: String {
        switch self {
        case .missingToken: "a token is required: send 'Authorization: Bearer <JWT>', the 'authorization' query parameter or the 'mercureAuthorization' cookie"
        case .invalidToken(let reason): "the token is not valid: \(reason)"
        case .expiredToken: "the token has expired: get a new one"
        case .originNotAllowed(let origin): "a cookie token was sent from \(origin.map { "origin \($0)" } ?? "a request without Origin or Referer"), which is not a publish origin"
        case .forbidden(let reason): reason
        }
    }
}
