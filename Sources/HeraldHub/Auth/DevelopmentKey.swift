import Foundation

/// The secret a hub started without a key uses, so `herald` works with zero configuration: made
/// once at random and kept in the data directory, so tokens stay valid across restarts.
package enum DevelopmentKey {
    /// The file, inside the data directory, that holds the secret.
    package static let fileName = "development-jwt-secret"

    /// The secret kept in `dataDirectory`, if one was made.
    package static func existing(in dataDirectory: String) -> String? {
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return secret.isEmpty ? nil : secret
    }

    /// The secret kept in `dataDirectory`, made (readable by the owner only) if there is none.
    package static func loadOrCreate(in dataDirectory: String) throws -> String {
        if let secret = existing(in: dataDirectory) { return secret }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        guard FileManager.default.createFile(atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw HubConfigurationError("could not write the development key to \(path): check that the data directory is writable")
        }
        return secret
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
