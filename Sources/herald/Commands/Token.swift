import ArgumentParser
import Foundation
import HeraldHub

/// `herald token`: makes a Mercure JWT.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a Mercure token (JWT) for publishers or subscribers.",
        discussion: "Signed with --jwt-key (a private key for RS256/ES256), or else the development key in --data-dir."
    )

    @Option(name: .customLong("publish"), help: "A topic selector the token may publish to; repeatable (* for all).")
    var publish: [String] = []

    @Option(name: .customLong("subscribe"), help: "A topic selector whose private updates the token may receive; repeatable.")
    var subscribe: [String] = []

    @Option(help: "JSON for the mercure.payload claim, shown in subscription events.")
    var payload: String?

    @Option(help: "Seconds until the token expires; 0 for no expiry.")
    var expiresIn: Int = 0

    @OptionGroup var keys: KeyOptions

    @Option(help: "The data directory whose development key is used without --jwt-key (env HERALD_DATA_DIR).")
    var dataDir = Environment.string("HERALD_DATA_DIR") ?? "./herald-data"

    func validate() throws {
        guard !publish.isEmpty || !subscribe.isEmpty else { throw ValidationError("give --publish or --subscribe (or both).") }
        guard expiresIn >= 0 else { throw ValidationError("--expires-in must not be negative.") }
    }

    func run() async throws {
        var payloadValue: JSONValue?
        if let payload {
            do {
                payloadValue = try JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8))
            } catch {
                throw ValidationError("--payload is not JSON: \(error.localizedDescription)")
            }
        }
        guard let secret = keys.key ?? DevelopmentKey.existing(in: dataDir) else {
            throw ValidationError("give --jwt-key (no development key was found in \(dataDir); `herald serve` makes one).")
        }
        let key = try await TokenKey(key: try keys.configuration(secret))
        let claims = MercureClaims(
            expiresAt: expiresIn > 0 ? Date().addingTimeInterval(TimeInterval(expiresIn)) : nil,
            mercure: .init(publish: publish.isEmpty ? nil : publish, subscribe: subscribe.isEmpty ? nil : subscribe, payload: payloadValue)
        )
        StandardStreams.printLine(try await key.sign(claims))
    }
}
