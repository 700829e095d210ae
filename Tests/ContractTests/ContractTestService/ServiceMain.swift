import AsyncHTTPClient
import Foundation
import Hummingbird

/// The test service LaunchDarkly's `sse-contract-tests` harness drives (its `service_spec.md`): it
/// creates an `EventSource` for each stream the harness asks for, and reports what the source
/// receives to the harness's callback URL.
///
///     ContractTestService [PORT]    listens on 127.0.0.1:PORT (default 8000) until `DELETE /`
@main
struct ServiceMain {
    static func main() async throws {
        let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8000
        let callbackClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        let streams = ContractStreams(callbackClient: callbackClient, baseURL: "http://127.0.0.1:\(port)")
        let router = ContractRoutes(streams: streams).router()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
        try await callbackClient.shutdown()
    }
}
