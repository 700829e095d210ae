/// What `herald serve` prints once it listens: where to look and how to publish a first update.
struct StartupBanner {
    /// The topic the demo page's hub panel subscribes to.
    static let demoTopic = "https://example.com/demo"

    let baseURL: String
    let publisherToken: String?
    let developmentKeyPath: String?
    let anonymousSubscribers: Bool
    /// Where history is kept, as `StoreLocation.summary` says.
    let history: String

    var text: String {
        var lines = [
            "Herald is running.",
            "  Demo page:  \(baseURL)/  (its hub panel subscribes to \(Self.demoTopic))",
            "  Hub:        \(baseURL)/.well-known/mercure",
            "  History:    \(history)",
        ]
        if let developmentKeyPath {
            lines.append("  Key:        a development key, kept in \(developmentKeyPath); give --jwt-key in production.")
        }
        lines.append("  Subscribers without a token are \(anonymousSubscribers ? "allowed (public updates only)" : "refused").")
        if let publisherToken {
            lines.append("  Publisher token (may publish and subscribe to every topic):")
            lines.append("    \(publisherToken)")
            lines.append("  Publish to the demo page:")
            lines.append(
                "    curl -d 'topic=\(Self.demoTopic)' -d 'data=Hello from curl' -H 'Authorization: Bearer \(publisherToken)' \(baseURL)/.well-known/mercure"
            )
        }
        return lines.joined(separator: "\n")
    }
}
