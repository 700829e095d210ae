import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// On an HTTP/2 stream: takes out of a response head the fields that HTTP/2 forbids (RFC 9113,
/// 8.2.2), which the responses shared with HTTP/1.1 carry (an event stream says `Connection: close`).
/// A head with one of them is a protocol error: the client would reset the stream unanswered.
final class HTTP2FieldFilter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let connectionSpecific: [HTTPField.Name] = [
        .connection, .transferEncoding, .upgrade, HTTPField.Name("Keep-Alive")!, HTTPField.Name("Proxy-Connection")!,
    ]

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        for name in Self.connectionSpecific { head.headerFields[name] = nil }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
