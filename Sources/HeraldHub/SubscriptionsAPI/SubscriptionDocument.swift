/// A subscription as Mercure describes it in subscription events and the subscriptions API (JSON-LD).
struct SubscriptionDocument: Encodable, Sendable {
    let context: String?
    let id: String
    let type = "Subscription"
    let topic: String
    let subscriber: String
    let active: Bool
    let payload: JSONValue?
    let lastEventID: String?

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id, type, topic, subscriber, active, payload, lastEventID
    }

    init(topic: String, subscriber: String, active: Bool, payload: JSONValue?, withContext: Bool, lastEventID: String? = nil) {
        self.context = withContext ? "https://mercure.rocks/" : nil
        self.id = Self.path(topic: topic, subscriber: subscriber)
        self.topic = topic
        self.subscriber = subscriber
        self.active = active
        self.payload = payload
        self.lastEventID = lastEventID
    }

    /// `/.well-known/mercure/subscriptions/{topic}/{subscriber}`, expanded as RFC 6570 says: both
    /// values percent-encoded except for unreserved characters.
    static func path(topic: String, subscriber: String) -> String {
        SubscriptionsPath.collection + "/" + percentEncoded(topic) + "/" + percentEncoded(subscriber)
    }

    static func percentEncoded(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A collection of subscriptions, as the subscriptions API answers.
struct SubscriptionCollectionDocument: Encodable, Sendable {
    let context = "https://mercure.rocks/"
    let id: String
    let type = "Subscriptions"
    let lastEventID: String
    let subscriptions: [SubscriptionDocument]

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id, type, lastEventID, subscriptions
    }
}

/// The paths of the subscriptions API.
enum SubscriptionsPath {
    static let collection = "/.well-known/mercure/subscriptions"
}
