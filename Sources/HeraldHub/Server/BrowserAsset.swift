import Hummingbird
import NIOCore

/// The file browsers load from the hub, kept in the repository as it is and compiled into the
/// binary (`Resources/`), so `herald` serves it wherever it runs.
struct BrowserAsset: Sendable {
    let bytes: ByteBuffer
    let contentType: String

    /// `herald.js`, the client, at `/herald.js`.
    static let client = BrowserAsset(bytes: ByteBuffer(bytes: PackageResources.herald_js), contentType: "text/javascript; charset=utf-8")

    /// The file as a response; revalidated on every load (no-cache), so a new herald's files are used at once.
    var response: Response {
        Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"], body: .init(byteBuffer: bytes))
    }
}
