public import HTTPTypes
public import Hummingbird

/// Why a request was refused: 401 for a missing or bad token, 403 for a token that does not allow it.
///
/// A struct with a ``Code`` rather than an enum, as hummingbird's and postgres-nio's errors are, so
/// that a new reason can be added without breaking code that switches over the ones it knows. As an
/// `HTTPResponseError`, it answers with its ``status`` and its ``description`` as plain text.
public struct AuthorizationError: Error, Sendable, Hashable, CustomStringConvertible, HTTPResponseError {
    /// The kind of refusal.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String {
            case missingToken, invalidToken, expiredToken, originNotAllowed, forbidden
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// No token where one is required.
        public static let missingToken = Code(.missingToken)
        /// A token whose signature, algorithm, format or claims are wrong.
        public static let invalidToken = Code(.invalidToken)
        /// A token past its `exp`.
        public static let expiredToken = Code(.expiredToken)
        /// A cookie sent with a POST from an origin not in the publish origins (cross-site request forgery).
        public static let originNotAllowed = Code(.originNotAllowed)
        /// A valid token whose claims do not cover what was asked.
        public static let forbidden = Code(.forbidden)

        public var description: String { base.rawValue }
    }

    /// The kind of refusal.
    public let code: Code
    /// What went wrong and what to do, as the client is told.
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// No token where one is required.
    public static var missingToken: Self {
        Self(
            .missingToken,
            "a token is required: send 'Authorization: Bearer <JWT>', the 'authorization' query parameter or the 'mercureAuthorization' cookie"
        )
    }

    /// A token that is not valid, and why.
    public static func invalidToken(_ reason: String) -> Self {
        Self(.invalidToken, "the token is not valid: \(reason)")
    }

    /// A token past its `exp`.
    public static var expiredToken: Self { Self(.expiredToken, "the token has expired: get a new one") }

    /// A cookie token sent with a POST from `origin`, which is not a publish origin.
    public static func originNotAllowed(_ origin: String?) -> Self {
        Self(
            .originNotAllowed,
            "a cookie token was sent from \(origin.map { "origin \($0)" } ?? "a request without Origin or Referer"), which is not a publish origin"
        )
    }

    /// A valid token that does not allow what was asked, and what it lacks.
    public static func forbidden(_ reason: String) -> Self { Self(.forbidden, reason) }

    /// 403 Forbidden for ``Code/forbidden``, 401 Unauthorized otherwise.
    public var status: HTTPResponse.Status { code == .forbidden ? .forbidden : .unauthorized }

    /// The answer: the status, and the description as plain text.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        .plainText(description + "\n", status: status)
    }
}
