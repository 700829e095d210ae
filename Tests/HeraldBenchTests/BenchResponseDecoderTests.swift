import Testing

@testable import HeraldBench

@Suite struct BenchResponseDecoderTests {
    /// What a decoder made of a response fed in the given pieces.
    private struct Decoded: Equatable {
        var statuses: [UInt] = []
        var body = ""
        var outcome = BenchResponseDecoder.Outcome.open
    }

    private func decode(_ pieces: [String]) -> Decoded {
        var decoder = BenchResponseDecoder()
        var decoded = Decoded()
        for piece in pieces {
            var bytes = Array(piece.utf8)
            decoded.outcome = bytes.withUnsafeMutableBytes { raw in
                decoder.decode(UnsafeRawBufferPointer(raw)) {
                    decoded.statuses.append($0)
                } body: {
                    decoded.body += String(decoding: $0, as: UTF8.self)
                }
            }
            if decoded.outcome != .open { break }
        }
        return decoded
    }

    private static let chunkedHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"

    @Test func chunkedBodyIsDechunked() {
        let decoded = decode([Self.chunkedHead + "7\r\ndata: 1\r\n8\r\n\ndata: 2\r\n"])
        #expect(decoded == Decoded(statuses: [200], body: "data: 1\ndata: 2", outcome: .open))
    }

    @Test func everySplitOfAChunkedResponseDecodesTheSame() {
        let response = Self.chunkedHead + "9;ext=1\r\ndata: 1\n\n\r\nA\r\ndata: 22\n\n\r\n0\r\n\r\n"
        let whole = decode([response])
        #expect(whole == Decoded(statuses: [200], body: "data: 1\n\ndata: 22\n\n", outcome: .ended))
        let characters = Array(response)
        for split in 1..<characters.count {
            let pieces = [String(characters[..<split]), String(characters[split...])]
            #expect(decode(pieces) == whole, "split at \(split)")
        }
        #expect(decode(characters.map { String($0) }) == whole)
    }

    @Test func bodyWithoutChunkingIsPassedAsItIs() {
        let decoded = decode(["HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n", "data: 2\n\n"])
        #expect(decoded == Decoded(statuses: [200], body: "data: 1\n\ndata: 2\n\n", outcome: .open))
    }

    @Test func refusalReportsItsStatus() {
        let decoded = decode(["HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"])
        #expect(decoded.statuses == [401])
    }

    @Test func malformedResponsesAreReported() {
        #expect(decode(["SSH-2.0-OpenSSH\r\n\r\n"]).outcome == .malformed("the response does not start with an HTTP/1.1 status line"))
        #expect(decode([Self.chunkedHead + "zz\r\n"]).outcome == .malformed("a chunk size is not a hexadecimal number"))
        #expect(decode([Self.chunkedHead + "3\r\nabcXY"]).outcome == .malformed("a chunk's data is not followed by CRLF"))
        let endlessHead = "HTTP/1.1 200 OK\r\n" + String(repeating: "x", count: BenchResponseDecoder.maximumHead)
        #expect(decode([endlessHead, "more"]).outcome == .malformed("the response head is longer than \(BenchResponseDecoder.maximumHead) bytes"))
    }
}

@Suite struct BenchMessageScannerTests {
    @Test func messagesAreFoundWhateverTheReadsSplitThem() {
        let stream = "id: 1\ndata: 1,1000\n\n: comment\ndata: 2,2000\r\n\r\ndata: 3,3000\n\n"
        let bytes = Array(stream.utf8)
        for split in 0...bytes.count {
            var scanner = BenchMessageScanner()
            var messages: [[UInt64]] = []
            var malformed = 0
            for piece in [bytes[..<split], bytes[split...]] {
                Array(piece).withUnsafeBytes {
                    scanner.scan($0) {
                        messages.append([UInt64($0), $1])
                    } malformed: {
                        malformed += 1
                    }
                }
            }
            #expect(messages == [[1, 1000], [2, 2000], [3, 3000]], "split at \(split)")
            #expect(malformed == 0)
        }
    }

    @Test func dataThatIsNotABenchMessageIsMalformed() {
        var scanner = BenchMessageScanner()
        var malformed = 0
        Array("data: hello\n\n".utf8).withUnsafeBytes {
            scanner.scan($0) { _, _ in
            } malformed: {
                malformed += 1
            }
        }
        #expect(malformed == 1)
    }
}
