/// Where `herald bench` connects: the host, port and path of a URL, refused unless on loopback,
/// since a load generator pointed at someone else's server is an attack.
struct BenchTarget: Sendable {
    let host: String
    let port: Int
    /// Path and query.
    let path: String
    /// Whether the URL is `https://`: the connection speaks TLS (HTTP/1.1 inside it).
    let isTLS: Bool

    init(url: String) throws(BenchError) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw BenchError("\(url): only http:// and https:// URLs are supported") }
        isTLS = url.hasPrefix("https://")
        let rest = url.dropFirst(isTLS ? "https://".count : "http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var path = String(rest.dropFirst(authority.count))
        if path.isEmpty || path.first == "?" { path = "/" + path }
        var host = String(authority)
        var port = isTLS ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw BenchError("\(url): the port is not a number from 1 to 65535")
            }
            host = String(authority[..<colon])
            port = parsed
        }
        // An IPv6 address is written in brackets.
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard Self.isLoopback(host) else {
            throw BenchError("\(url): herald bench only targets loopback addresses (127.0.0.0/8, ::1, localhost)")
        }
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
        self.path = path
    }

    private static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".")
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// A `herald bench` setting or run that cannot go on, and why.
package struct BenchError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
