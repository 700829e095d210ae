import ServerSentEvents

/// Everything a parser reports for `bytes` fed in the given chunk sizes (the rest in one final
/// chunk), after which the stream ends.
func parseAll(
    _ bytes: [UInt8],
    chunkSizes: [Int] = [],
    configuration: ServerSentEventParser.Configuration = .init()
) -> [ServerSentEventParser.Output] {
    var parser = ServerSentEventParser(configuration: configuration)
    var outputs: [ServerSentEventParser.Output] = []
    var start = 0
    for size in chunkSizes where start < bytes.count {
        let end = min(bytes.count, start + size)
        parser.parse(bytes[start..<end]) { outputs.append($0) }
        start = end
    }
    parser.parse(bytes[start...]) { outputs.append($0) }
    parser.finish()
    return outputs
}

/// The events a parser fires for `text` in one piece; fails the test on a parse error.
func events(_ text: String) -> [ServerSentEvent] {
    parseAll(Array(text.utf8)).map { try! $0.get() }
}

/// A fixture file of `Tests/ServerSentEventsTests/Fixtures`.
func fixture(_ name: String) -> [UInt8] {
    let directory = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(2).joined(separator: "/"))
    return readFile(directory + "/Fixtures/" + name)
}

private func readFile(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { fatalError("missing fixture \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return bytes
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
