public import HTTPTypes

extension HTTPFields {
    /// The header fields every event-stream response starts from: `Content-Type: text/event-stream;
    /// charset=utf-8`, `Cache-Control: no-cache`, `X-Accel-Buffering: no` (so nginx does not buffer
    /// the stream) and `Connection: close` (the connection ends with the stream).
    public static var serverSentEvents: HTTPFields {
        [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
            .accelBuffering: "no",
            // Hummingbird closes the connection once a watched response ends; saying so up front
            // keeps HTTP clients from reusing a connection that is about to close.
            .connection: "close",
        ]
    }
}
