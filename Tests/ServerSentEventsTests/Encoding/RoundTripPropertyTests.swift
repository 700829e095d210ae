import PropertyBased
import ServerSentEvents
import Testing

/// `parse(encode(event)) == event` for arbitrary events, data line endings normalised to LF.
@Suite struct RoundTripPropertyTests {
    /// Pieces chosen to hit the encoder's and parser's edge cases: every line ending, colons, spaces,
    /// a BOM, NUL, multi-byte UTF-8 and text that looks like a field.
    static let dataPieces = [
        "a", "hello", " ", "  ", ":", "\n", "\r", "\r\n", "\n\r", "é", "😀", "中文", "data: x", "\u{FEFF}",
        "\t", "\u{0}", "id: 3", "\r\r", "{\"k\":1}",
    ]
    static let namePieces = ["a", "Z", " ", ":", "é", "😀", "-", "message", "9", "\t"]

    static let dataGen = Gen<String?>.element(of: dataPieces).array(of: 0...12)
        .map { pieces -> String in pieces.compactMap { $0 }.joined() }
    static let typeGen = Gen<String?>.element(of: namePieces).array(of: 1...6)
        .map { pieces -> String in pieces.compactMap { $0 }.joined() }
    static let idGen = Gen<String?>.element(of: namePieces).array(of: 0...6)
        .map { pieces -> String? in pieces.isEmpty ? nil : pieces.compactMap { $0 }.joined() }
    static let retryGen = Gen.int(in: -1...Int.max).map { value -> Int? in value < 0 ? nil : value }

    @Test func parseOfEncodeIsIdentity() async {
        await propertyCheck(count: 2000, input: Self.dataGen, Self.typeGen, Self.idGen, Self.retryGen) {
            data,
            type,
            id,
            retry in
            let event = ServerSentEvent(type: type, data: data, id: id, retry: retry)
            let bytes = try! ServerSentEventEncoder().encode(event)
            let parsed = parseAll(bytes)
            var expected = event
            expected.data = normalisingLineEndings(data)
            #expect(parsed == [.success(expected)])
        }
    }

    @Test func manyEventsRoundTripInOneStream() async {
        let eventGen = zip(Self.dataGen, Self.typeGen, Self.idGen)
            .map { value -> ServerSentEvent in ServerSentEvent(type: value.1, data: value.0, id: value.2) }
        await propertyCheck(count: 300, input: eventGen.array(of: 0...8), Gen.int(in: 1...9)) { events, chunk in
            let encoder = ServerSentEventEncoder()
            var bytes: [UInt8] = []
            for event in events { try! encoder.encode(event, into: &bytes) }
            var lastID: String?
            let expected = events.map { event -> ServerSentEventParser.Output in
                if let id = event.id { lastID = id }
                return .success(ServerSentEvent(type: event.type, data: normalisingLineEndings(event.data), id: lastID))
            }
            #expect(parseAll(bytes, chunkSizes: Array(repeating: chunk, count: bytes.count / chunk + 1)) == expected)
        }
    }
}

private func normalisingLineEndings(_ text: String) -> String {
    var result: [UInt8] = []
    var previousWasCR = false
    for byte in text.utf8 {
        if byte == 0x0A && previousWasCR {
            previousWasCR = false
            continue
        }
        previousWasCR = byte == 0x0D
        result.append(previousWasCR ? 0x0A : byte)
    }
    return String(decoding: result, as: UTF8.self)
}
