import ArgumentParser
import AsyncHTTPClient
import Foundation
import HeraldHub
import NIOCore
import NIOHTTP1

/// `herald publish`: sends one update to a Mercure hub.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish an update to a Mercure hub (Herald or any other).",
        discussion:
            "Prints the update's id on success. With --jwt-key (or the development key in --data-dir), a token allowed to publish to the given topics is made and used."
    )

    @OptionGroup var tls: TLSClientOptions

    @Option(help: "The hub URL (env HERALD_HUB).")
    var hub = Environment.string("HERALD_HUB") ?? "http://127.0.0.1:8080/.well-known/mercure"

    @Option(name: .customLong("topic"), help: "A topic of the update; repeatable, the first is canonical.")
    var topics: [String] = []

    @Option(help: "The update's data; @FILE reads it from a file.")
    var data: String = ""

    @Flag(name: .customLong("private"), help: "Deliver only to subscribers authorized for one of the topics.")
    var isPrivate = false

    @Option(help: "The update's id (the hub makes one if not given).")
    var id: String?

    @Option(help: "The event type.")
    var type: String?

    @Option(help: "The reconnection time to send with the event, in milliseconds.")
    var retry: Int?

    @Option(name: .customLong("token"), help: "A publisher token (env HERALD_TOKEN).")
    var givenToken: String?

    @OptionGroup var keys: KeyOptions

    @Option(help: "The data directory whose development key signs a token when neither --token nor --jwt-key is given (env HERALD_DATA_DIR).")
    var dataDir = Environment.string("HERALD_DATA_DIR") ?? "./herald-data"

    func validate() throws {
        guard !topics.isEmpty else { throw ValidationError("give at least one --topic.") }
        if let retry, retry < 0 { throw ValidationError("--retry must not be negative.") }
    }

    func run() async throws {
        let token = try await resolvedToken()
        var form: [(String, String)] = topics.map { ("topic", $0) }
        form.append(("data", String(buffer: try ListenRequest.body(from: data))))
        if isPrivate { form.append(("private", "on")) }
        if let id { form.append(("id", id)) }
        if let type { form.append(("type", type)) }
        if let retry { form.append(("retry", String(retry))) }
        var request = HTTPClientRequest(url: hub)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
        let response: HTTPClientResponse
        let body: ByteBuffer
        // Not `HTTPClient.shared`: it retries a refused connection for a long time, and a
        // command-line user wants to hear at once that the hub is not there.
        var configuration = HTTPClient.Configuration(tlsConfiguration: try tls.configuration())
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            response = try await client.execute(request, timeout: .seconds(30))
            body = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            StandardStreams.printError("herald: could not reach the hub at \(hub): \(error)")
            throw ExitCode.failure
        }
        let text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        guard response.status == .ok else {
            StandardStreams.printError("herald: the hub answered \(response.status.code) \(response.status.reasonPhrase): \(text)")
            throw ExitCode.failure
        }
        StandardStreams.printLine(text)
    }

    private func resolvedToken() async throws -> String {
        if let token = givenToken ?? Environment.string("HERALD_TOKEN") { return token }
        guard let secret = keys.key ?? DevelopmentKey.existing(in: dataDir) else {
            throw ValidationError("give --token, or --jwt-key to make one (no development key was found in \(dataDir)).")
        }
        let key = try await TokenKey(key: try keys.configuration(secret))
        return try await key.sign(MercureClaims(mercure: .init(publish: topics)))
    }
}

/// `application/x-www-form-urlencoded` encoding.
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    private static func escape(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "*"):
                bytes.append(byte)
            case UInt8(ascii: " "):
                bytes.append(UInt8(ascii: "+"))
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
