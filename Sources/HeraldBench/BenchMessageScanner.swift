/// Finds the bench's messages in an event stream: each `data: SEQUENCE,SEND_TIME` line, read
/// straight from the bytes.
///
/// The generator must cost less than the server it measures, so it does not build an event (and
/// its strings) per delivery as a general parser does; it only needs the two numbers. A line split
/// between reads is carried over (at most one line, bounded).
struct BenchMessageScanner {
    private var carry: [UInt8] = []
    private static let maximumLine = 4096
    private static let prefix: [UInt8] = Array("data: ".utf8)

    mutating func scan(_ bytes: UnsafeRawBufferPointer, message: (Int, UInt64) -> Void, malformed: () -> Void) {
        var start = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            if carry.isEmpty {
                line(UnsafeRawBufferPointer(rebasing: bytes[start..<newline]), message: message, malformed: malformed)
            } else {
                carry += bytes[start..<newline]
                carry.withUnsafeBytes { line($0, message: message, malformed: malformed) }
                carry.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        if start < bytes.count {
            carry += bytes[start...]
            if carry.count > Self.maximumLine { carry.removeAll(keepingCapacity: true) }
        }
    }

    private func line(_ line: UnsafeRawBufferPointer, message: (Int, UInt64) -> Void, malformed: () -> Void) {
        var line = line[...]
        if line.last == 0x0D { line = line.dropLast() }
        guard line.count > Self.prefix.count, line.starts(with: Self.prefix) else { return }
        var sequence = 0
        var sentAt: UInt64 = 0
        var index = line.startIndex + Self.prefix.count
        var digits = 0
        while index < line.endIndex, line[index] != UInt8(ascii: ",") {
            guard line[index] >= 0x30 && line[index] <= 0x39 else { return malformed() }
            sequence = sequence * 10 + Int(line[index] - 0x30)
            index += 1
            digits += 1
        }
        guard digits > 0, index < line.endIndex else { return malformed() }
        index += 1
        digits = 0
        while index < line.endIndex, line[index] >= 0x30 && line[index] <= 0x39 {
            sentAt = sentAt * 10 + UInt64(line[index] - 0x30)
            index += 1
            digits += 1
        }
        guard digits > 0 else { return malformed() }
        message(sequence, sentAt)
    }
}
