public import Hummingbird

extension Request {
    /// The id of the last event a reconnecting client saw, so a route can resume after it.
    ///
    /// Read from the `Last-Event-ID` header, which `EventSource` sends on reconnection, or else from
    /// the query parameter `queryParameter` (for clients that cannot set headers, such as a first
    /// connection resuming from an id kept in `localStorage`). `nil` when neither is present or the
    /// value is empty.
    public func lastEventID(queryParameter: String? = nil) -> String? {
        if let header = headers[.lastEventID], !header.isEmpty { return header }
        if let queryParameter, let value = uri.queryParameters[Substring(queryParameter)], !value.isEmpty {
            return String(value)
        }
        return nil
    }
}
