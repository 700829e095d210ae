import Foundation
import JWTKit
import Synchronization

/// Claims of tokens whose signature was verified, so that a publisher sending the same token with
/// every update pays for parsing and checking its signature once rather than per publish.
///
/// Keyed by the whole token, signature included: a token that differs in any byte is verified
/// afresh. Expiry is checked again on every use. Bounded: when full, it is emptied and refills with
/// the tokens in use.
final class VerifiedTokenCache: Sendable {
    static let capacity = 1024

    private let entries = Mutex<[String: MercureClaims]>([:])

    /// The cached claims of `token`, if it was verified before and has not expired since.
    func claims(of token: String, now: Date = Date()) -> MercureClaims? {
        guard let claims = entries.withLock({ $0[token] }) else { return nil }
        if let expiry = claims.exp?.value, expiry <= now {
            entries.withLock { _ = $0.removeValue(forKey: token) }
            return nil
        }
        return claims
    }

    /// Remembers that `token` carries `claims`, verified.
    func insert(_ claims: MercureClaims, for token: String) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }
}
