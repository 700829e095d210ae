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
    /// `nbf`: before it the token is refused.
    public var nbf: NotBeforeClaim?
    /// `mercure`: the hub's own claim.
    public var mercure: Mercure?

    /// Creates claims.
    public init(expiresAt: Date? = nil, notBefore: Date? = nil, mercure: Mercure?) {
        self.exp = expiresAt.map { ExpirationClaim(value: $0) }
        self.nbf = notBefore.map { NotBeforeClaim(value: $0) }
        self.mercure = mercure
    }

    /// How far a token's `nbf` may be ahead of this clock: the clocks of the machine that signed it
    /// and of the hub's may differ by a little.
    static let clockSkew: TimeInterval = 30

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp?.verifyNotExpired()
        if let nbf, nbf.value.timeIntervalSinceNow > Self.clockSkew { throw TokenNotYetValid(notBefore: nbf.value) }
    }
}

/// A token whose `nbf` is still ahead.
struct TokenNotYetValid: Error, CustomStringConvertible {
    let notBefore: Date
    var description: String { "the token is not valid before \(notBefore) (its nbf claim)" }
}
