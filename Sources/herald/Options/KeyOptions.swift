import ArgumentParser
import Foundation
import HeraldHub

/// The JWT key options shared by `serve`, `publish` and `token`.
struct KeyOptions: ParsableArguments {
    @Option(
        name: .customLong("jwt-key"),
        help:
            "The key for both publishers and subscribers: the secret for HS256, or a PEM file (or PEM text) for RS256/ES256 (env HERALD_JWT_KEY). Without one, the development key in the data directory is used."
    )
    var givenKey: String?

    /// The key given on the command line or in the environment.
    var key: String? { givenKey ?? Environment.string("HERALD_JWT_KEY") }

    @Option(name: .customLong("jwt-algorithm"), help: "HS256, RS256 or ES256 (env HERALD_JWT_ALGORITHM).")
    var algorithm: String = Environment.string("HERALD_JWT_ALGORITHM") ?? "HS256"

    func validate() throws {
        guard ["HS256", "RS256", "ES256"].contains(algorithm) else {
            throw ValidationError("--jwt-algorithm must be HS256, RS256 or ES256, not \(algorithm).")
        }
    }

    /// The key configuration for `value` (the given key, or another one such as a subscriber key).
    func configuration(_ value: String) throws -> JWTKeyConfiguration {
        switch algorithm {
        case "RS256": return .rsaSHA256(pem: try Self.pem(value))
        case "ES256": return .ecdsaP256(pem: try Self.pem(value))
        default: return .hmacSHA256(secret: value)
        }
    }

    /// PEM text as given, or read from the file it names.
    private static func pem(_ value: String) throws -> String {
        if value.contains("-----BEGIN") { return value }
        do {
            return try String(contentsOfFile: value, encoding: .utf8)
        } catch {
            throw ValidationError("could not read the PEM key file \(value): \(error.localizedDescription)")
        }
    }
}
