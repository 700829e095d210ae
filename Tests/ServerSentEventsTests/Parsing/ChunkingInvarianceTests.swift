import ServerSentEvents
import Testing

/// Whatever the network does to chunk boundaries, the parser reports the same events.
@Suite struct ChunkingInvarianceTests {
    static let fixtures = ["seed-002.txt", "mixed-line-endings.txt", "llm-stream.txt"]

    @Test(arguments: fixtures) func everyTwoWaySplitGivesTheSameEvents(name: String) {
        let bytes = fixture(name)
        let whole = parseAll(bytes)
        #expect(!whole.isEmpty)
        for split in 0...bytes.count {
            #expect(parseAll(bytes, chunkSizes: [split]) == whole, "\(name) split at \(split)")
        }
    }

    @Test(arguments: fixtures) func byteAtATimeGivesTheSameEvents(name: String) {
        let bytes = fixture(name)
        #expect(parseAll(bytes, chunkSizes: Array(repeating: 1, count: bytes.count)) == parseAll(bytes))
    }

    @Test(arguments: fixtures) func randomChunkingsGiveTheSameEvents(name: String) {
        let bytes = fixture(name)
        let whole = parseAll(bytes)
        var generator = SplitMix64(seed: 0x5EED_0000 &+ UInt64(bytes.count))
        for _ in 0..<200 {
            var sizes: [Int] = []
            var total = 0
            while total < bytes.count {
                let size = Int(generator.next() % 17)  // includes empty chunks
                sizes.append(size)
                total += size
            }
            #expect(parseAll(bytes, chunkSizes: sizes) == whole, "\(name) chunk sizes \(sizes)")
        }
    }
}

/// A small seeded generator, so a failing chunking can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
