import ServerSentEvents

/// Writes events as one JSON object per line, for scripts (`jq`, `json.loads`).
enum JSONLine {
    /// `{"type":…,"data":…,"id":…,"retry":…}`, with `id` and `retry` `null` when absent.
    static func render(_ event: ServerSentEvent) -> String {
        var line = #"{"type":"#
        appendString(event.type, to: &line)
        line += #","data":"#
        appendString(event.data, to: &line)
        line += #","id":"#
        if let id = event.id { appendString(id, to: &line) } else { line += "null" }
        line += #","retry":"#
        line += event.retry.map(String.init) ?? "null"
        line += "}"
        return line
    }

    /// `{"comment":…}`: a comment line's text, which no event object can be mistaken for.
    static func render(comment: String) -> String {
        var line = #"{"comment":"#
        appendString(comment, to: &line)
        line += "}"
        return line
    }

    /// Appends `text` as a JSON string literal (RFC 8259 escaping).
    static func appendString(_ text: String, to output: inout String) {
        output.unicodeScalars.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output.unicodeScalars.append("\"")
    }
}
