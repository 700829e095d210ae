// libFuzzer entry point for what the hub reads from requests: form and query fields (FormFields) and
// topic selectors (URITemplate). Compiled together with those files by Fuzz/run.sh (so no `import`).
// It checks invariants, not only the absence of crashes:
//   1. form decoding: a field without `%` or `+` is kept as written, and a text without escapes has
//      no malformed field;
//   2. URI templates made only of literals and simple `{var}` expressions match exactly what a
//      plain reference matcher says;
//   3. any template and string are matched in bounded time (libFuzzer's -timeout catches a blow-up).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHubInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: start, count: count))
    guard let mode = input.first else { return 0 }
    let rest = Array(input.dropFirst())
    if mode % 2 == 0 {
        checkFormFields(String(decoding: rest, as: UTF8.self))
    } else {
        // Template and string separated by the first NUL.
        let split = rest.firstIndex(of: 0) ?? rest.count
        let template = String(decoding: rest[..<split], as: UTF8.self)
        let string = String(decoding: rest[min(split + 1, rest.count)...], as: UTF8.self)
        checkTemplate(template, against: string)
    }
    return 0
}

private func checkFormFields(_ text: String) {
    let fields = FormFields(Substring(text))
    let hasEscapes = text.utf8.contains(UInt8(ascii: "%")) || text.utf8.contains(UInt8(ascii: "+"))
    // Bytes, not characters: a combining mark joins a `&` or `=` to the character after it.
    for piece in text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true)
    where !piece.contains(UInt8(ascii: "%")) && !piece.contains(UInt8(ascii: "+")) {
        let nameAndValue = piece.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(Substring(nameAndValue[0]))
        let value = nameAndValue.count > 1 ? String(Substring(nameAndValue[1])) : ""
        guard fields.values(name).contains(value) else { fatalError("the field \(name)=\(value) of \(text) was lost") }
    }
    if !hasEscapes && !fields.malformedNames.isEmpty {
        fatalError("\(fields.malformedNames) reported malformed in \(text), which has no escapes")
    }
}

private func checkTemplate(_ template: String, against string: String) {
    guard let compiled = URITemplate(template) else { return }
    let matched = compiled.matches(string)
    guard let reference = ReferenceTemplate(template) else { return }
    guard matched == reference.matches(Array(string.utf8)) else {
        fatalError("'\(template)' against '\(string)': URITemplate says \(matched), the reference \(!matched)")
    }
}

/// A plain matcher for templates of literals and `{name}` expressions only: a `{name}` stands for any
/// run, possibly empty, of unreserved characters, percent-encodings and bytes outside ASCII.
private struct ReferenceTemplate {
    enum Part {
        case literal(UInt8)
        case variable
    }

    let parts: [Part]

    init?(_ template: String) {
        var parts: [Part] = []
        var bytes = Array(template.utf8)[...]
        while let byte = bytes.first {
            if byte == UInt8(ascii: "{") {
                guard let close = bytes.firstIndex(of: UInt8(ascii: "}")) else { return nil }
                let name = bytes[bytes.index(after: bytes.startIndex)..<close]
                guard !name.isEmpty, name.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else { return nil }
                parts.append(.variable)
                bytes = bytes[bytes.index(after: close)...]
            } else {
                guard byte != UInt8(ascii: "}"), byte < 0x80, byte != UInt8(ascii: "%") else { return nil }
                parts.append(.literal(byte))
                bytes = bytes.dropFirst()
            }
        }
        self.parts = parts
    }

    func matches(_ string: [UInt8]) -> Bool {
        var memo: [Int: Bool] = [:]
        func match(_ part: Int, _ position: Int) -> Bool {
            let key = part * (string.count + 1) + position
            if let known = memo[key] { return known }
            let result: Bool
            if part == parts.count {
                result = position == string.count
            } else {
                switch parts[part] {
                case .literal(let byte):
                    result = position < string.count && string[position] == byte && match(part + 1, position + 1)
                case .variable:
                    var end = position
                    var found = match(part + 1, end)
                    while !found, let next = valueEnd(after: end) {
                        end = next
                        found = match(part + 1, end)
                    }
                    result = found
                }
            }
            memo[key] = result
            return result
        }
        func valueEnd(after position: Int) -> Int? {
            guard position < string.count else { return nil }
            let byte = string[position]
            if byte == UInt8(ascii: "%") {
                guard position + 2 < string.count, isHex(string[position + 1]), isHex(string[position + 2]) else { return nil }
                return position + 3
            }
            let unreserved = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~") || byte >= 0x80
            return unreserved ? position + 1 : nil
        }
        func isHex(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
        }
        return match(0, 0)
    }
}
