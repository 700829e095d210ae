import Hummingbird

/// A publish form checked against Mercure's rules, before any token claim is looked at.
struct PublishRequest: Sendable {
    let update: Update
    /// Whether the publisher chose the id (otherwise the hub made one).
    let hasPublisherID: Bool

    /// The most topics one update may carry.
    static let maximumTopics = 1000

    /// Validates `form`; the error says which field is wrong and why.
    init(form: FormFields) throws(PublishError) {
        let topics = form.values("topic")
        guard !topics.isEmpty else { throw .missingTopic }
        guard topics.count <= Self.maximumTopics else { throw .tooManyTopics(topics.count, limit: Self.maximumTopics) }
        var retry: Int?
        if let text = form.first("retry") {
            guard let value = Int(text), value >= 0, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw .invalidRetry(text)
            }
            retry = value
        }
        let id = form.first("id").flatMap { $0.isEmpty ? nil : $0 }
        if let id {
            try Self.checkSingleLine(id, field: "id")
            guard !id.hasPrefix("#") else { throw .invalidField("id", "must not start with '#', which the hub reserves") }
        }
        let type = form.first("type").flatMap { $0.isEmpty ? nil : $0 }
        if let type { try Self.checkSingleLine(type, field: "type") }
        update = Update(
            topics: topics,
            data: form.first("data") ?? "",
            isPrivate: form.contains("private"),
            id: id ?? UpdateIDGenerator.next(),
            type: type,
            retry: retry
        )
        hasPublisherID = id != nil
    }

    private static func checkSingleLine(_ value: String, field: String) throws(PublishError) {
        for byte in value.utf8 where byte == 0x0A || byte == 0x0D || byte == 0x00 {
            throw .invalidField(field, "must not contain a carriage return, line feed or NUL")
        }
    }
}

/// Why a publish form was refused (400).
enum PublishError: Error, Sendable, Equatable, CustomStringConvertible, HTTPResponseError {
    case missingTopic
    case tooManyTopics(Int, limit: Int)
    case invalidRetry(String)
    case invalidField(String, String)

    var description: String {
        switch self {
        case .missingTopic: #"Missing "topic" parameter"#
        case .tooManyTopics(let count, let limit): "\(count) topics given; at most \(limit) are allowed"
        case .invalidRetry(let text): #"Invalid "retry" parameter "\#(text)": give a non-negative integer number of milliseconds"#
        case .invalidField(let field, let reason): #"Invalid "\#(field)" parameter: it \#(reason)"#
        }
    }

    var status: HTTPResponse.Status { .badRequest }

    /// The answer: 400, and the description as plain text.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        .plainText(description + "\n", status: status)
    }
}
