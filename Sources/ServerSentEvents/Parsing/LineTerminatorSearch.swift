/// Finds the next CR or LF in a byte buffer eight bytes at a time.
///
/// The parser spends most of its time looking for line ends, so this is the hot loop: one 64-bit load
/// and a few arithmetic operations per eight bytes instead of two comparisons per byte.
@usableFromInline
enum LineTerminatorSearch {
    @usableFromInline static let lineFeed: UInt8 = 0x0A
    @usableFromInline static let carriageReturn: UInt8 = 0x0D

    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    /// CR (0x0D) and LF (0x0A) are the only line terminators, and both are below 0x0E: one
    /// "byte below 0x0E" test per word finds candidates in three operations instead of two equality
    /// tests in seven. The rare other control byte it flags (a tab, say) is checked and skipped.
    private static let belowCandidateLimit: UInt64 = 0x0E0E_0E0E_0E0E_0E0E

    /// The index of the first CR or LF in `bytes[start..<end]`, or `end` when there is none.
    @inline(__always)
    static func firstIndex(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index &+ 8 <= end {
                // Little-endian order puts the first byte in the lowest bits, so the lowest flagged
                // byte is the first candidate (the test can only misfire above a true one).
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let candidates = (word &- belowCandidateLimit) & ~word & highBits
                if candidates != 0 {
                    let candidate = index &+ (candidates.trailingZeroBitCount &>> 3)
                    let byte = base[candidate]
                    if byte == lineFeed || byte == carriageReturn { return candidate }
                    index = candidate &+ 1
                    continue
                }
                index &+= 8
            }
        }
        while index < end {
            let byte = bytes[index]
            if byte == lineFeed || byte == carriageReturn { return index }
            index &+= 1
        }
        return end
    }
}
