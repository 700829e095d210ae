import Foundation
import Testing

@testable import HeraldHub

@Suite struct VerifiedTokenCacheTests {
    @Test func cachedClaimsAreGivenOnlyUntilTheTokenExpires() {
        let cache = VerifiedTokenCache()
        let now = Date()
        let claims = MercureClaims(expiresAt: now + 60, mercure: .init(publish: ["*"]))
        cache.insert(claims, for: "token")
        #expect(cache.claims(of: "token", now: now) == claims)
        #expect(cache.claims(of: "other token", now: now) == nil)
        #expect(cache.claims(of: "token", now: now + 61) == nil)
        // Dropped once seen expired, even when asked again with an earlier time.
        #expect(cache.claims(of: "token", now: now) == nil)
    }

    @Test func cacheStaysWithinItsCapacity() {
        let cache = VerifiedTokenCache()
        let claims = MercureClaims(mercure: .init(subscribe: ["*"]))
        for number in 0...VerifiedTokenCache.capacity { cache.insert(claims, for: "token \(number)") }
        let kept = (0...VerifiedTokenCache.capacity).filter { cache.claims(of: "token \($0)") != nil }
        #expect(kept.count <= VerifiedTokenCache.capacity)
        #expect(cache.claims(of: "token \(VerifiedTokenCache.capacity)") != nil)  // the newest is kept
    }

    @Test func anotherSignatureIsVerifiedAfresh() async throws {
        let key = try await TokenKey(key: .hmacSHA256(secret: String(repeating: "k", count: 32)))
        let token = try await key.sign(MercureClaims(mercure: .init(publish: ["*"])))
        _ = try await key.verify(token)  // cached now
        // One character of the signature changed, away from its end (whose last bits are padding).
        var characters = Array(token)
        let index = characters.count - 10
        characters[index] = characters[index] == "A" ? "B" : "A"
        let forged = String(characters)
        await #expect(throws: AuthorizationError.self) { try await key.verify(forged) }
    }
}
