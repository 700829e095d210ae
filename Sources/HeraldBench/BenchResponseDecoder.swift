/// Reads a subscriber's HTTP/1.1 response as the bench needs it: the status, then the body's bytes,
/// de-chunked when the body is chunked, handed on in place with no copy.
///
/// A general HTTP decoder costs the generator more per delivery than it costs many servers to send
/// one; the bench needs no headers but one, and no body parts as values. A head or a chunk-size line
/// split between reads is carried over, bounded.
struct BenchResponseDecoder {
    /// What ``decode(_:status:body:)`` found that ends the response.
    enum Outcome: Equatable {
        /// More may follow.
        case open
        /// The last chunk arrived: the response is complete.
        case ended
        /// The response is not HTTP/1.1 as the bench reads it.
        case malformed(String)
    }

    private enum State {
        case head
        case chunkSize
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data; `seen` of its two bytes arrived.
        case chunkDataEnd(seen: Int)
        case identity
        case ended
    }

    /// The longest response head, and chunk-size line, the bench accepts.
    static let maximumHead = 16 * 1024
    static let maximumChunkSizeLine = 1024
    private static let endOfHead: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
    private static let endOfLine: [UInt8] = [0x0D, 0x0A]

    private var state = State.head
    /// A head or chunk-size line split between reads.
    private var carry: [UInt8] = []

    /// Decodes the next bytes of the response: `status` is called once, with the status code, and
    /// `body` with each run of body bytes in order.
    mutating func decode(
        _ bytes: UnsafeRawBufferPointer,
        status: (UInt) -> Void,
        body: (UnsafeRawBufferPointer) -> Void
    ) -> Outcome {
        var index = 0
        while index < bytes.count {
            switch state {
            case .head:
                guard let end = lineEnd(in: bytes, from: index, terminator: Self.endOfHead, limit: Self.maximumHead) else {
                    return carry.count > Self.maximumHead ? .malformed("the response head is longer than \(Self.maximumHead) bytes") : .open
                }
                let head = withLine(bytes, from: index, to: end, Self.parseHead)
                index = end
                guard let (code, chunked) = head else { return .malformed("the response does not start with an HTTP/1.1 status line") }
                status(code)
                state = chunked ? .chunkSize : .identity
            case .chunkSize:
                guard let end = lineEnd(in: bytes, from: index, terminator: Self.endOfLine, limit: Self.maximumChunkSizeLine) else {
                    return carry.count > Self.maximumChunkSizeLine
                        ? .malformed("a chunk-size line is longer than \(Self.maximumChunkSizeLine) bytes") : .open
                }
                let size = withLine(bytes, from: index, to: end, Self.parseChunkSize)
                index = end
                guard let size else { return .malformed("a chunk size is not a hexadecimal number") }
                if size == 0 {
                    state = .ended
                    return .ended
                }
                state = .chunkData(remaining: size)
            case .chunkData(let remaining):
                let count = min(remaining, bytes.count - index)
                body(UnsafeRawBufferPointer(rebasing: bytes[index..<index + count]))
                index += count
                state = remaining == count ? .chunkDataEnd(seen: 0) : .chunkData(remaining: remaining - count)
            case .chunkDataEnd(let seen):
                guard bytes[index] == (seen == 0 ? 0x0D : 0x0A) else { return .malformed("a chunk's data is not followed by CRLF") }
                index += 1
                state = seen == 0 ? .chunkDataEnd(seen: 1) : .chunkSize
            case .identity:
                body(UnsafeRawBufferPointer(rebasing: bytes[index...]))
                index = bytes.count
            case .ended:
                return .ended
            }
        }
        return .open
    }

    /// Where the line starting at `start` ends, just after `terminator`, counting what was carried
    /// over from earlier reads; `nil`, carrying the rest, when it does not end in `bytes`.
    private mutating func lineEnd(in bytes: UnsafeRawBufferPointer, from start: Int, terminator: [UInt8], limit: Int) -> Int? {
        // The terminator may begin in the carried bytes: search them and `bytes` as one.
        let carried = carry.count
        var matched = 0
        // Resume the match over the carry's tail (at most terminator.count - 1 bytes of it matter).
        for byte in carry.suffix(terminator.count - 1) {
            matched = byte == terminator[matched] ? matched + 1 : (byte == terminator[0] ? 1 : 0)
        }
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            matched = byte == terminator[matched] ? matched + 1 : (byte == terminator[0] ? 1 : 0)
            index += 1
            if matched == terminator.count { return index }
        }
        // One byte past the limit is enough to tell the caller the line is too long.
        carry += bytes[start..<min(bytes.count, start + max(0, limit + 1 - carried))]
        return nil
    }

    /// Reads the line from `start` to `end` (its terminator included) with `read`: in place, or
    /// joined to what was carried over. No allocation unless the line was split between reads.
    private mutating func withLine<Result>(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        _ read: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        guard !carry.isEmpty else { return read(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) }
        carry += bytes[start..<end]
        defer { carry.removeAll(keepingCapacity: true) }
        return carry.withUnsafeBytes(read)
    }

    /// The status code, and whether the body is chunked.
    private static func parseHead(_ head: UnsafeRawBufferPointer) -> (UInt, Bool)? {
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1."), statusLine.count >= 12 else { return nil }
        let codeStart = statusLine.index(statusLine.startIndex, offsetBy: 9)
        guard let code = UInt(statusLine[codeStart..<statusLine.index(codeStart, offsetBy: 3)]) else { return nil }
        let chunked = lines.dropFirst().contains { line in
            let lowered = line.lowercased()
            return lowered.hasPrefix("transfer-encoding:") && lowered.contains("chunked")
        }
        return (code, chunked)
    }

    /// A chunk-size line's size (any extension after `;` ignored).
    private static func parseChunkSize(_ line: UnsafeRawBufferPointer) -> Int? {
        var size = 0
        var digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case 0x30...0x39: value = Int(byte - 0x30)
            case 0x41...0x46: value = Int(byte - 0x41 + 10)
            case 0x61...0x66: value = Int(byte - 0x61 + 10)
            default:
                return digits > 0 && (byte == 0x3B || byte == 0x0D || byte == 0x20 || byte == 0x09) ? size : nil
            }
            guard digits < 15 else { return nil }
            size = size * 16 + value
            digits += 1
        }
        return nil
    }
}
