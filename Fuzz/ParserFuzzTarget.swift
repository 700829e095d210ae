// libFuzzer entry point for ServerSentEventParser, compiled together with the module's sources by
// Fuzz/run.sh (so no `import`). It checks invariants, not only the absence of crashes:
//   1. the outputs do not depend on how the input is chunked;
//   2. every fired event survives encode → parse unchanged;
//   3. small limits bound the work and the parser keeps going.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: start, count: count))
    // The first byte picks the chunk size, so the fuzzer explores splits as well as contents.
    let chunkSize = Int(input.first ?? 1) % 13 + 1
    let stream = Array(input.dropFirst())

    for configuration in [
        ServerSentEventParser.Configuration(),
        ServerSentEventParser.Configuration(maxLineLength: 7, maxEventDataLength: 11),
    ] {
        let whole = outputs(of: stream, chunkSize: stream.count + 1, configuration: configuration)
        let chunked = outputs(of: stream, chunkSize: chunkSize, configuration: configuration)
        let byByte = outputs(of: stream, chunkSize: 1, configuration: configuration)
        guard whole == chunked, whole == byByte else {
            fatalError("chunking changed the outputs (chunk size \(chunkSize)): \(whole) vs \(chunked) vs \(byByte)")
        }
    }

    for case .success(let event) in outputs(of: stream, chunkSize: stream.count + 1, configuration: .init()) {
        // The encoder refuses NUL in a type, which the parser accepts: nothing to round-trip then.
        guard !event.type.utf8.contains(0) else { continue }
        let bytes: [UInt8]
        do {
            bytes = try ServerSentEventEncoder().encode(event)
        } catch {
            fatalError("a parsed event could not be encoded: \(event): \(error)")
        }
        let again = outputs(of: bytes, chunkSize: bytes.count + 1, configuration: .init())
        guard again == [.success(event)] else {
            fatalError("round trip changed \(event) into \(again)")
        }
    }
    return 0
}

private func outputs(
    of bytes: [UInt8],
    chunkSize: Int,
    configuration: ServerSentEventParser.Configuration
) -> [ServerSentEventParser.Output] {
    var parser = ServerSentEventParser(configuration: configuration)
    var result: [ServerSentEventParser.Output] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunkSize)
        parser.parse(bytes[start..<end]) { result.append($0) }
        start = end
    }
    parser.finish()
    return result
}
