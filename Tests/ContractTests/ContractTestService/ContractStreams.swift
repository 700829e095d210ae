import AsyncHTTPClient

/// The streams the harness created and has not closed yet, by id.
actor ContractStreams {
    private let callbackClient: HTTPClient
    private let baseURL: String
    private var streams: [Int: ContractStream] = [:]
    private var nextID = 1

    init(callbackClient: HTTPClient, baseURL: String) {
        self.callbackClient = callbackClient
        self.baseURL = baseURL
    }

    /// Starts a stream; returns the URL of its resource.
    func create(_ parameters: StreamParameters) throws -> String {
        let id = nextID
        nextID += 1
        let stream = try ContractStream(parameters: parameters, callbacks: CallbackPoster(baseURL: parameters.callbackUrl, client: callbackClient))
        streams[id] = stream
        stream.start()
        return "\(baseURL)/streams/\(id)"
    }

    func stream(_ id: Int) -> ContractStream? {
        streams[id]
    }

    /// Closes and forgets a stream; `false` when there is none with that id.
    func close(_ id: Int) -> Bool {
        guard let stream = streams.removeValue(forKey: id) else { return false }
        stream.close()
        return true
    }
}
