import Hummingbird
import NIOCore

/// The demo page and its script, kept in the repository as they are (`Resources/`) and compiled into
/// the binary, so `herald` serves them wherever it runs.
struct DemoAsset: Sendable {
    let bytes: ByteBuffer
    let contentType: String

    /// The page at `/`.
    static let page = DemoAsset(bytes: ByteBuffer(bytes: PackageResources.index_html), contentType: "text/html; charset=utf-8")
    /// Its script at `/demo.js`.
    static let script = DemoAsset(bytes: ByteBuffer(bytes: PackageResources.demo_js), contentType: "text/javascript; charset=utf-8")

    /// The file as a response; revalidated on every load (no-cache), so a new herald's files are used at once.
    var response: Response {
        Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"], body: .init(byteBuffer: bytes))
    }
}
