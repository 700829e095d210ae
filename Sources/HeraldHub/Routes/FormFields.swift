/// The name–value pairs of an `application/x-www-form-urlencoded` text (a POST body or a query
/// string), in order and with repeated names kept, as Mercure's `topic` needs.
struct FormFields: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []
    /// The names whose value (or which themselves) had a malformed percent-escape or decoded to bytes
    /// that are not UTF-8: the routes refuse those fields with 400 rather than guess.
    private(set) var malformedNames: Set<String> = []

    /// Parses `text`: pairs split at `&`, names from values at the first `=`, `+` read as a space and
    /// percent-escapes decoded (a malformed escape is kept as written, as browsers do, and its
    /// field's name noted in ``malformedNames``).
    init(_ text: Substring) {
        // Split on the bytes `&` and `=`, not on characters: a combining mark after `=` makes one
        // grapheme of the two, which a character search would not find (the fuzzer did).
        for piece in text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                name = Substring(piece[..<equals])
                value = Substring(piece[piece.index(after: equals)...])
            } else {
                name = Substring(piece)
                value = ""
            }
            let (decodedName, nameIsWellFormed) = Self.decodeChecking(name)
            let (decodedValue, valueIsWellFormed) = Self.decodeChecking(value)
            if !nameIsWellFormed || !valueIsWellFormed { malformedNames.insert(decodedName) }
            pairs.append((decodedName, decodedValue))
        }
    }

    /// The first of `names` that is malformed, in that order.
    func firstMalformed(of names: [String]) -> String? {
        names.first { malformedNames.contains($0) }
    }

    /// Every value of `name`, in order.
    func values(_ name: String) -> [String] {
        pairs.compactMap { $0.name == name ? $0.value : nil }
    }

    /// The first value of `name`.
    func first(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Whether `name` is present, with any value.
    func contains(_ name: String) -> Bool {
        pairs.contains { $0.name == name }
    }

    /// `text` with its percent-escapes decoded (and `+` read as a space).
    static func percentDecoded(_ text: String) -> String {
        decode(Substring(text))
    }

    private static func decode(_ text: Substring) -> String {
        decodeChecking(text).text
    }

    /// `text` decoded, and whether every escape in it was well formed and the result is UTF-8.
    private static func decodeChecking(_ text: Substring) -> (text: String, isWellFormed: Bool) {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return (String(text), true) }
        var isWellFormed = true
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), high < utf8.endIndex,
                let low = utf8.index(high, offsetBy: 1, limitedBy: utf8.endIndex), low < utf8.endIndex,
                let highValue = hexValue(utf8[high]), let lowValue = hexValue(utf8[low])
            {
                bytes.append(highValue << 4 | lowValue)
                index = low
            } else {
                if byte == UInt8(ascii: "%") { isWellFormed = false }
                bytes.append(byte)
            }
            index = utf8.index(after: index)
        }
        guard let valid = String(validating: bytes, as: UTF8.self) else {
            return (String(decoding: bytes, as: UTF8.self), false)
        }
        return (valid, isWellFormed)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
