/// A key that signs or verifies Mercure tokens.
public enum JWTKeyConfiguration: Sendable, Equatable {
    /// A shared secret for HS256 (the reference hub's default).
    case hmacSHA256(secret: String)
    /// A PEM public key (or, to also sign, a private key) for RS256.
    case rsaSHA256(pem: String)
    /// A PEM public key (or, to also sign, a private key) for ES256 on P-256.
    case ecdsaP256(pem: String)
}
