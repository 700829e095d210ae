/// A GET request for `path` as a browser's `EventSource` sends it.
func eventSourceRequest(_ path: String, extraHeaders: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\(extraHeaders)\r\n"
}
