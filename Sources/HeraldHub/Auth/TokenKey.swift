import Foundation
import JWTKit

/// One key for Mercure tokens: verifies their signature, algorithm and expiry, and signs new ones.
///
/// `alg: none` and any algorithm other than the key's are refused: jwt-kit verifies with the
/// configured key only, and an unsigned token has no signature to verify.
public struct TokenKey: Sendable {
    private let keys: JWTKeyCollection
    private let verified = VerifiedTokenCache()

    /// A verifier for `key`. Throws when a PEM key cannot be read.
    public init(key: JWTKeyConfiguration) async throws(HubConfigurationError) {
        let keys = JWTKeyCollection()
        do {
            switch key {
            case .hmacSHA256(let secret):
                // Shorter secrets are guessable, and jwt-kit refuses them.
                guard secret.utf8.count >= 32 else {
                    throw HubConfigurationError("the HS256 secret has \(secret.utf8.count) bytes; give at least 32 (e.g. `openssl rand -hex 32`)")
                }
                await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            case .rsaSHA256(let pem):
                if pem.contains("PRIVATE KEY") {
                    await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: pem), digestAlgorithm: .sha256)
                } else {
                    await keys.add(rsa: try Insecure.RSA.PublicKey(pem: pem), digestAlgorithm: .sha256)
                }
            case .ecdsaP256(let pem):
                if pem.contains("PRIVATE KEY") {
                    await keys.add(ecdsa: try ES256PrivateKey(pem: pem))
                } else {
                    await keys.add(ecdsa: try ES256PublicKey(pem: pem))
                }
            }
        } catch let error as HubConfigurationError {
            throw error
        } catch {
            throw HubConfigurationError("the JWT key could not be read (\(error)); give a PEM key for RS256/ES256")
        }
        self.keys = keys
    }

    /// The claims of `token`, or why it is refused.
    public func verify(_ token: String) async throws(AuthorizationError) -> MercureClaims {
        if let claims = verified.claims(of: token) { return claims }
        do {
            let claims = try await keys.verify(token, as: MercureClaims.self)
            verified.insert(claims, for: token)
            return claims
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw .expiredToken
        } catch {
            throw .invalidToken(String(describing: error))
        }
    }

    /// A signed token carrying `claims`; the key must be able to sign (a secret or a private key).
    public func sign(_ claims: MercureClaims) async throws -> String {
        try await keys.sign(claims)
    }
}
