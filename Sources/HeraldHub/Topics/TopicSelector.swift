/// A Mercure topic selector: `*`, an exact topic, or an RFC 6570 URI template matching topics.
///
/// A string matches when the selector is `*`, when the two are equal (so a template also matches
/// itself, which authorization relies on), or when the string is an expansion of the template.
public struct TopicSelector: Sendable, Hashable {
    /// The selector as written.
    public let text: String
    private let kind: Kind

    private enum Kind: Sendable {
        case any
        case exact
        case template(URITemplate)
    }

    /// Compiles `text`. A string that is not a valid URI template, or has no expressions, matches
    /// only itself.
    public init(_ text: String) {
        self.text = text
        if text == "*" {
            kind = .any
        } else if text.utf8.contains(UInt8(ascii: "{")), let template = URITemplate(text), template.hasExpressions {
            kind = .template(template)
        } else {
            kind = .exact
        }
    }

    /// The topic this selector stands for when it matches exactly one string, for indexing.
    public var exactTopic: String? {
        if case .exact = kind { return text }
        return nil
    }

    /// Whether `topic` matches the selector.
    public func matches(_ topic: String) -> Bool {
        switch kind {
        case .any: return true
        case .exact: return topic == text
        case .template(let template): return topic == text || template.matches(topic)
        }
    }

    /// Whether any of `topics` matches the selector.
    public func matchesAny(of topics: [String]) -> Bool {
        topics.contains { matches($0) }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}

extension Array where Element == TopicSelector {
    /// Whether any selector matches any of `topics`.
    func matchAny(of topics: [String]) -> Bool {
        contains { $0.matchesAny(of: topics) }
    }
}
