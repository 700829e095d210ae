import ServerSentEvents

/// Prints events for people (type, id and data, coloured on a terminal) or for scripts (JSON lines).
struct EventPrinter {
    let json: Bool
    let colour: Bool

    func print(_ event: ServerSentEvent) {
        StandardStreams.printLine(json ? JSONLine.render(event) : readable(event))
    }

    /// A comment line (`herald listen --comments`): `: text` for people, `{"comment":…}` for scripts.
    func printComment(_ text: String) {
        StandardStreams.printLine(json ? JSONLine.render(comment: text) : paint(":" + text, "2"))
    }

    private func readable(_ event: ServerSentEvent) -> String {
        var heading = paint(event.type, "1;36")
        if let id = event.id { heading += " " + paint("id=\(id)", "33") }
        if let retry = event.retry { heading += " " + paint("retry=\(retry)", "2") }
        let body = event.data.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        return ([heading] + body).joined(separator: "\n")
    }

    private func paint(_ text: String, _ style: String) -> String {
        colour ? "\u{1B}[\(style)m\(text)\u{1B}[0m" : text
    }
}
