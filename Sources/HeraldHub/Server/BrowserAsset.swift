import Hummingbird
import NIOCore

/// The files browsers load, kept in the repository as they are and compiled into the binary
/// (`Resources/`, `Demo/Resources/`), so `herald` serves them wherever it runs.
struct BrowserAsset: Sendable {
    let bytes: ByteBuffer
    let contentType: String

    /// `herald.js`, the client, at `/herald.js`.
    static let client = BrowserAsset(bytes: ByteBuffer(bytes: PackageResources.herald_js), contentType: "text/javascript; charset=utf-8")
    /// The demo page at `/`.
    static let demoPage = BrowserAsset(bytes: ByteBuffer(bytes: PackageResources.index_html), contentType: "text/html; charset=utf-8")
    /// The demo page's script at `/demo.js`.
    static let demoScript = BrowserAsset(bytes: ByteBuffer(bytes: PackageResources.demo_js), contentType: "text/javascript; charset=utf-8")

    /// The file as a response; revalidated on every load (no-cache), so a new herald's files are used at once.
    var response: Response {
        Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"], body: .init(byteBuffer: bytes))
    }
}
