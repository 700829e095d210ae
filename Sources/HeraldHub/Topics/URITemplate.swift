/// An RFC 6570 URI template, compiled for matching: does a string equal some expansion of it?
///
/// Matching follows each operator's rules (prefix, separator, named `name=value` pairs, the empty
/// form) and character classes, and, as expansion skips undefined variables, lets any of an
/// expression's variables be absent. Values match unreserved characters and percent-encodings, plus
/// reserved characters for `{+var}` and `{#var}`; bytes outside ASCII are accepted everywhere, so
/// IRIs match as URIs do. Runs in time polynomial in the template and string lengths (no
/// backtracking blow-up): it tracks the set of positions reachable after each part.
struct URITemplate: Sendable {
    private let parts: [Part]

    /// Compiles `template`; `nil` when it is not a valid URI template (an unclosed `{`, an unknown
    /// operator, a bad variable name).
    init?(_ template: String) {
        guard let parts = Self.parse(Array(template.utf8)) else { return nil }
        self.parts = parts
    }

    /// Whether the template has any expression; one without is matched as plain text.
    var hasExpressions: Bool {
        parts.contains { if case .expression = $0 { true } else { false } }
    }

    /// Whether `string` is an expansion of the template.
    func matches(_ string: String) -> Bool {
        var string = string
        return string.withUTF8 { matches(bytes: $0) }
    }

    private func matches(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var positions: Set<Int> = [0]
        for part in parts {
            var next: Set<Int> = []
            for start in positions {
                switch part {
                case .literal(let literal):
                    if Self.hasPrefix(bytes, literal, at: start) { next.insert(start + literal.count) }
                case .expression(let expression):
                    expression.collectEnds(in: bytes, from: start, into: &next)
                }
            }
            if next.isEmpty { return false }
            positions = next
        }
        return positions.contains(bytes.count)
    }

    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: [UInt8], at start: Int) -> Bool {
        guard bytes.count - start >= literal.count else { return false }
        for (offset, byte) in literal.enumerated() where bytes[start + offset] != byte { return false }
        return true
    }

    // MARK: - Parsing

    private enum Part: Sendable {
        case literal([UInt8])
        case expression(Expression)
    }

    private static func parse(_ bytes: [UInt8]) -> [Part]? {
        var parts: [Part] = []
        var literal: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "}") { return nil }
            guard byte == UInt8(ascii: "{") else {
                literal.append(byte)
                index += 1
                continue
            }
            guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")),
                let expression = Expression(bytes[(index + 1)..<close])
            else { return nil }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
            parts.append(.expression(expression))
            index = close + 1
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }
}

extension URITemplate {
    /// One `{…}` expression: an operator and its variables.
    fileprivate struct Expression: Sendable {
        struct Variable: Sendable {
            let name: [UInt8]
            let explode: Bool
            /// The `:n` prefix modifier: at most this many characters of the value.
            let maxLength: Int?
        }

        let first: UInt8?
        let separator: UInt8
        let named: Bool
        /// For named operators, whether an empty value is written `name=` (`?`, `&`) rather than `name` (`;`).
        let emptyHasEquals: Bool
        let allowsReserved: Bool
        let variables: [Variable]

        init?(_ body: ArraySlice<UInt8>) {
            var body = body
            guard let head = body.first else { return nil }
            switch head {
            case UInt8(ascii: "+"): (first, separator, named, emptyHasEquals, allowsReserved) = (nil, .comma, false, false, true)
            case UInt8(ascii: "#"): (first, separator, named, emptyHasEquals, allowsReserved) = (UInt8(ascii: "#"), .comma, false, false, true)
            case UInt8(ascii: "."):
                (first, separator, named, emptyHasEquals, allowsReserved) = (UInt8(ascii: "."), UInt8(ascii: "."), false, false, false)
            case UInt8(ascii: "/"):
                (first, separator, named, emptyHasEquals, allowsReserved) = (UInt8(ascii: "/"), UInt8(ascii: "/"), false, false, false)
            case UInt8(ascii: ";"):
                (first, separator, named, emptyHasEquals, allowsReserved) = (UInt8(ascii: ";"), UInt8(ascii: ";"), true, false, false)
            case UInt8(ascii: "?"):
                (first, separator, named, emptyHasEquals, allowsReserved) = (UInt8(ascii: "?"), UInt8(ascii: "&"), true, true, false)
            case UInt8(ascii: "&"):
                (first, separator, named, emptyHasEquals, allowsReserved) = (UInt8(ascii: "&"), UInt8(ascii: "&"), true, true, false)
            case UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "!"), UInt8(ascii: "@"), UInt8(ascii: "|"):
                return nil  // reserved for future extensions by the RFC
            default: (first, separator, named, emptyHasEquals, allowsReserved) = (nil, .comma, false, false, false)
            }
            if first != nil || allowsReserved { body = body.dropFirst() }
            var variables: [Variable] = []
            for spec in body.split(separator: .comma, omittingEmptySubsequences: false) {
                guard let variable = Self.variable(spec) else { return nil }
                variables.append(variable)
            }
            guard !variables.isEmpty else { return nil }
            self.variables = variables
        }

        private static func variable(_ spec: ArraySlice<UInt8>) -> Variable? {
            var name = spec
            var explode = false
            var maxLength: Int?
            if name.last == UInt8(ascii: "*") {
                explode = true
                name = name.dropLast()
            } else if let colon = name.firstIndex(of: UInt8(ascii: ":")) {
                let digits = name[(colon + 1)...]
                guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCIIDigit), digits.first != UInt8(ascii: "0")
                else { return nil }
                maxLength = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                name = name[..<colon]
            }
            guard !name.isEmpty, name.allSatisfy(isVariableCharacter) else { return nil }
            return Variable(name: Array(name), explode: explode, maxLength: maxLength)
        }

        private static func isVariableCharacter(_ byte: UInt8) -> Bool {
            byte.isASCIIAlphanumeric || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "%")
        }

        // MARK: Matching

        /// Adds to `ends` every position where an expansion of this expression starting at `start` can end.
        func collectEnds(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, into ends: inout Set<Int>) {
            // Every variable undefined (or, for most operators, an empty list) expands to nothing.
            ends.insert(start)
            var itemStart = start
            if let first {
                guard start < bytes.count, bytes[start] == first else { return }
                itemStart += 1
            }
            // States: (position where the next item starts, index of the next variable that may appear).
            var pending: [(position: Int, variable: Int)] = [(itemStart, 0)]
            var seen: Set<Int> = []
            while let (position, variableIndex) = pending.popLast() {
                for index in variableIndex..<variables.count {
                    let variable = variables[index]
                    for end in itemEnds(of: variable, in: bytes, from: position) {
                        ends.insert(end)
                        // An exploded variable may repeat; otherwise the next item is a later variable.
                        let nextVariable = variable.explode ? index : index + 1
                        guard nextVariable < variables.count, end < bytes.count, bytes[end] == separator else { continue }
                        let key = (end + 1) &* (variables.count + 1) &+ nextVariable
                        if seen.insert(key).inserted { pending.append((end + 1, nextVariable)) }
                    }
                }
            }
        }

        /// The positions where one item of `variable` (a value, or `name=value` for named operators) can end.
        private func itemEnds(of variable: Variable, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> [Int] {
            guard named else { return valueEnds(in: bytes, from: start, maxLength: variable.maxLength) }
            var position = start
            if variable.explode {
                // An exploded associative array writes its own keys: any name.
                while position < bytes.count,
                    Self.isVariableCharacter(bytes[position]) || isValueByte(bytes[position]) && bytes[position] != UInt8(ascii: "=")
                {
                    position += 1
                }
                guard position > start else { return [] }
            } else {
                guard bytes.count - start >= variable.name.count else { return [] }
                for (offset, byte) in variable.name.enumerated() where bytes[start + offset] != byte { return [] }
                position += variable.name.count
            }
            var ends: [Int] = []
            if !emptyHasEquals { ends.append(position) }  // `;name` for an empty value
            if position < bytes.count, bytes[position] == UInt8(ascii: "=") {
                ends.append(contentsOf: valueEnds(in: bytes, from: position + 1, maxLength: variable.maxLength))
            }
            return ends
        }

        /// The positions where a value starting at `start` can end: after zero or more value characters.
        private func valueEnds(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, maxLength: Int?) -> [Int] {
            var ends = [start]
            var position = start
            var characters = 0
            while position < bytes.count {
                if let maxLength, characters >= maxLength { break }
                let byte = bytes[position]
                if byte == UInt8(ascii: "%") {
                    guard position + 2 < bytes.count, bytes[position + 1].isASCIIHexDigit, bytes[position + 2].isASCIIHexDigit else { break }
                    position += 3
                } else if isValueByte(byte) {
                    position += 1
                } else {
                    break
                }
                characters += 1
                ends.append(position)
            }
            return ends
        }

        private func isValueByte(_ byte: UInt8) -> Bool {
            if byte >= 0x80 || byte.isASCIIAlphanumeric { return true }
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): return true
            case UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "["), UInt8(ascii: "]"),
                UInt8(ascii: "@"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
                UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
                return allowsReserved
            default: return false
            }
        }
    }
}

extension UInt8 {
    fileprivate static let comma = UInt8(ascii: ",")
    fileprivate var isASCIIDigit: Bool { self >= 0x30 && self <= 0x39 }
    fileprivate var isASCIIAlphanumeric: Bool {
        isASCIIDigit || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
    }
    fileprivate var isASCIIHexDigit: Bool {
        isASCIIDigit || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66)
    }
}
