/// The parts of an HTTP media type the event source checks.
enum MediaType {
    /// Whether a `Content-Type` value's essence (type/subtype, parameters ignored) is
    /// `text/event-stream`, compared case-insensitively as MIME types are.
    static func isEventStream(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let essence = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        let trimmed = essence.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let expected = "text/event-stream".utf8
        var remaining = trimmed[...]
        while let last = remaining.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            remaining = remaining.dropLast()
        }
        guard remaining.count == expected.count else { return false }
        return zip(remaining, expected).allSatisfy { lowercased($0) == $1 }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
