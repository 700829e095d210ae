public import Foundation
public import JWTKit

/// The claims of a Mercure token: what its holder may publish and subscribe to, and when it expires.
public struct MercureClaims: JWTPayload, Equatable {
    /// The `mercure` claim.
    public struct Mercure: Codable, Sendable, Equatable {
        /// Topic selectors the holder may publish to; `nil` or empty allows none.
        public var publish: [String]?
        /// Topic selectors whose private updates the holder may receive.
        public var subscribe: [String]?
        /// Data about the subscriber, shown in its subscription events.
        public var payload: JSONValue?

        /// Creates the claim.
        public init(publish: [String]? = nil, subscribe: [String]? = nil, payload: JSONValue? = nil) {
            self.publish = publish
            self.subscribe = subscribe
            self.payload = payload
        }
    }

    /// `exp`: after it the token is refused, and a subscription opened with it is closed.
    public var exp: ExpirationClaim?
    /// `mercure`: the hub's own claim.
    public var mercure: Mercure?

    /// Creates claims.
    public init(expiresAt: Date? = nil, mercure: Mercure?) {
        self.exp = expiresAt.map { ExpirationClaim(value: $0) }
        self.mercure = mercure
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp?.verifyNotExpired()
    }
}
