import Foundation

/// How an update's topics are kept in one column: a JSON array of strings.
enum TopicsColumn {
    /// The topics as a JSON array of strings, written directly: a `JSONEncoder` per publish cost
    /// more than the rest of the row.
    static func encode(_ topics: [String]) -> String {
        var json = "["
        for (index, topic) in topics.enumerated() {
            if index > 0 { json += "," }
            json += "\""
            for scalar in topic.unicodeScalars {
                switch scalar {
                case "\"": json += "\\\""
                case "\\": json += "\\\\"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: json.unicodeScalars.append(scalar)
                }
            }
            json += "\""
        }
        return json + "]"
    }

    static func decode(_ text: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
