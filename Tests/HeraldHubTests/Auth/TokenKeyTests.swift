import Foundation
import HeraldHub
import Testing

/// RS256 and ES256 keys from PEM files (the fixtures are test-only key pairs).
@Suite struct TokenKeyTests {
    static func fixture(_ name: String) throws -> String {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
        return try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static let claims = MercureClaims(mercure: .init(publish: ["https://example.com/{id}"], subscribe: ["*"]))

    @Test(arguments: ["rsa", "ec"])
    func privateKeySignsAndPublicKeyVerifies(kind: String) async throws {
        func key(_ pem: String) -> JWTKeyConfiguration { kind == "rsa" ? .rsaSHA256(pem: pem) : .ecdsaP256(pem: pem) }
        let signer = try await TokenKey(key: key(try Self.fixture("\(kind)-private.pem")))
        let verifier = try await TokenKey(key: key(try Self.fixture("\(kind)-public.pem")))
        let token = try await signer.sign(Self.claims)
        #expect(try await verifier.verify(token) == Self.claims)
        // A public key cannot sign.
        await #expect(throws: (any Error).self) { try await verifier.sign(Self.claims) }
    }

    @Test func tokenSignedWithAnotherAlgorithmIsRefused() async throws {
        // An HS256 token whose secret is the public key's text: the classic algorithm-confusion attack.
        let publicPEM = try Self.fixture("rsa-public.pem")
        let confused = try await TokenKey(key: .hmacSHA256(secret: publicPEM)).sign(Self.claims)
        let verifier = try await TokenKey(key: .rsaSHA256(pem: publicPEM))
        await #expect(throws: AuthorizationError.self) { try await verifier.verify(confused) }
    }

    @Test func unreadablePEMIsAConfigurationError() async throws {
        await #expect(throws: HubConfigurationError.self) {
            try await TokenKey(key: .rsaSHA256(pem: "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----"))
        }
        await #expect(throws: HubConfigurationError.self) { try await TokenKey(key: .hmacSHA256(secret: "too short")) }
    }
}
