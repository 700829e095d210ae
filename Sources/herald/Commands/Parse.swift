import ArgumentParser
import ServerSentEvents

/// `herald parse`: reads an event stream on standard input and prints each event as JSON.
struct Parse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse a text/event-stream from standard input into one JSON object per event.",
        discussion: """
            Prints {"type","data","id","retry"} per event, as a browser's EventSource would fire it:
              curl -N https://example.com/events | herald parse
            Events past a size limit are reported on standard error and skipped; the exit status is
            then 1. An unfinished event at the end of input is discarded, as the spec requires.
            """
    )

    @Option(help: "The longest line accepted, in bytes.")
    var maxLineLength = 1 << 20

    @Option(help: "The most data one event may carry, in bytes.")
    var maxEventDataLength = 1 << 20

    func validate() throws {
        guard maxLineLength > 0, maxEventDataLength > 0 else {
            throw ValidationError("--max-line-length and --max-event-data-length must be positive.")
        }
    }

    func run() async throws {
        var parser = ServerSentEventParser(
            configuration: .init(maxLineLength: maxLineLength, maxEventDataLength: maxEventDataLength)
        )
        var failures = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try StandardStreams.readInput(into: &buffer)
            if count == 0 { break }
            parser.parse(buffer[0..<count]) { output in
                switch output {
                case .success(let event):
                    StandardStreams.printLine(JSONLine.render(event))
                case .failure(let error):
                    failures += 1
                    StandardStreams.printError("herald parse: \(error)")
                }
            }
        }
        parser.finish()
        if failures > 0 { throw ExitCode(1) }
    }
}
