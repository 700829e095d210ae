/// Finds the next CR or LF in a byte buffer eight bytes at a time.
///
/// The parser spends most of its time looking for line ends, so this is the hot loop: one 64-bit load
/// and a few arithmetic operations per eight bytes instead of two comparisons per byte.
@usableFromInline
enum LineTerminatorSearch {
    @usableFromInline static let lineFeed: UInt8 = 0x0A
    @usableFromInline static let carriageReturn: UInt8 = 0x0D

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let lineFeeds: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
    private static let carriageReturns: UInt64 = 0x0D0D_0D0D_0D0D_0D0D

    /// The index of the first CR or LF in `bytes[start..<end]`, or `end` when there is none.
    @inline(__always)
    static func firstIndex(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index &+ 8 <= end {
                // Little-endian order puts the first byte in the lowest bits, so the lowest flagged
                // byte is the first match (the zero-byte test can only misfire above a true match).
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let lf = word ^ lineFeeds
                let cr = word ^ carriageReturns
                let found = ((lf &- ones) & ~lf | (cr &- ones) & ~cr) & highBits
                if found != 0 {
                    return index &+ (found.trailingZeroBitCount &>> 3)
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
