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

    /// The longest token accepted, in bytes: a real one is well under it, and a huge one would cost
    /// decoding and verifying before it could be refused.
    public static let maximumTokenBytes = 8 << 10

    /// The claims of `token`, or why it is refused.
    public func verify(_ token: String) async throws(AuthorizationError) -> MercureClaims {
        if let claims = verified.claims(of: token) { return claims }
        guard token.utf8.count <= Self.maximumTokenBytes else {
            throw .invalidToken("it is \(token.utf8.count) bytes long; at most \(Self.maximumTokenBytes) are accepted")
        }
        try Self.checkType(of: token)
        do {
            let claims = try await keys.verify(token, as: MercureClaims.self)
            verified.insert(claims, for: token)
            return claims
        } catch let error as TokenNotYetValid {
            throw .invalidToken(error.description)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw .expiredToken
        } catch {
            throw .invalidToken(String(describing: error))
        }
    }

    /// Refuses a token whose header names a `typ` other than JWT (RFC 7519 §5.1): a token meant for
    /// something else must not pass as a Mercure one.
    private static func checkType(of token: String) throws(AuthorizationError) {
        guard let headerPart = token.split(separator: ".", maxSplits: 1).first else { return }
        var base64 = headerPart.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let header = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return }  // a malformed header is refused by the verification itself
        if let type = header["typ"] {
            guard let text = type as? String, text.uppercased() == "JWT" else {
                throw .invalidToken("its header's typ is \(type), not JWT")
            }
        }
    }

    /// A signed token carrying `claims`; the key must be able to sign (a secret or a private key).
    public func sign(_ claims: MercureClaims) async throws -> String {
        try await keys.sign(claims)
    }
}
