import Hummingbird
import NIOCore

extension Response {
    /// A plain-text answer: the hub's errors, its publish answer (the update's id) and its health.
    /// Errors end with a line feed, so that `curl` prints them on a line of their own.
    static func plainText(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
