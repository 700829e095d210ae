import Benchmark
import OpenAPIRuntime
import ServerSentEvents

#if canImport(Glibc)
import Glibc
#endif

/// Parse and encode throughput of Herald's codec, side by side with swift-openapi-runtime's SSE
/// decoder on the same bytes in the same chunks. Inputs come from Benchmarks/inputs/generate.py.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions],
        timeUnits: .microseconds,  // the default (milliseconds) rounds a 10 ms run to ±10 %
        warmupIterations: 2,
        maxDuration: .seconds(4),
        maxIterations: 50
    )

    for input in BenchmarkInput.all {
        Benchmark("parse/\(input.name)/herald") { benchmark in
            for _ in benchmark.scaledIterations {
                var parser = ServerSentEventParser()
                var events = 0
                for chunk in input.chunks {
                    parser.parse(chunk) { output in
                        if case .success = output { events += 1 }
                    }
                }
                parser.finish()
                precondition(events == input.eventCount, "herald parsed \(events) of \(input.eventCount) events")
                blackHole(events)
            }
        }

        Benchmark("parse/\(input.name)/herald-async") { benchmark in
            for _ in benchmark.scaledIterations {
                var events = 0
                for try await event in ChunkSequence(chunks: input.chunks).serverSentEvents() {
                    events += 1
                    blackHole(event)
                }
                precondition(events == input.eventCount, "herald-async parsed \(events) of \(input.eventCount) events")
            }
        }

        Benchmark("parse/\(input.name)/openapi-runtime") { benchmark in
            for _ in benchmark.scaledIterations {
                var events = 0
                for try await event in ChunkSequence(chunks: input.chunks).asDecodedServerSentEvents() {
                    // swift-openapi-runtime also yields blocks without data; count what a browser fires.
                    if event.data != nil { events += 1 }
                    blackHole(event)
                }
                blackHole(events)
            }
        }
    }

    let llm = BenchmarkInput.all[0]
    let parsed = llm.events
    Benchmark("encode/llm-stream/herald") { benchmark in
        let encoder = ServerSentEventEncoder()
        for _ in benchmark.scaledIterations {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(llm.byteCount)
            for event in parsed { try encoder.encode(event, into: &bytes) }
            blackHole(bytes)
        }
    }
}

/// One input file, split into the chunks a network would deliver.
struct BenchmarkInput: Sendable {
    let name: String
    let chunks: [ArraySlice<UInt8>]
    let byteCount: Int
    let eventCount: Int

    var events: [ServerSentEvents.ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvents.ServerSentEvent] = []
        for chunk in chunks { parser.parse(chunk) { if case .success(let event) = $0 { events.append(event) } } }
        return events
    }

    static let all: [BenchmarkInput] = [
        load("llm-stream", chunkSize: 1024),
        load("multiline-data", chunkSize: 64 * 1024),
        load("heartbeats", chunkSize: 64 * 1024),
        load("drip", chunkSize: 4),
        load("long-line", chunkSize: 64 * 1024),
    ]

    static func load(_ name: String, chunkSize: Int) -> BenchmarkInput {
        let bytes = readInput(name)
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            chunks.append(bytes[start..<min(bytes.count, start + chunkSize)])
            start += chunkSize
        }
        var parser = ServerSentEventParser()
        var events = 0
        for chunk in chunks { parser.parse(chunk) { if case .success = $0 { events += 1 } } }
        return BenchmarkInput(name: name, chunks: chunks, byteCount: bytes.count, eventCount: events)
    }

    private static func readInput(_ name: String) -> [UInt8] {
        let directory = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/"))
        let path = directory + "/.inputs/\(name).txt"
        guard let file = fopen(path, "rb") else {
            fatalError("missing \(path): run Benchmarks/inputs/generate.py first (Benchmarks/run-codec.sh does)")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes
    }
}

/// The chunks of an input as the asynchronous byte sequence both decoders take.
struct ChunkSequence: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let chunks: [ArraySlice<UInt8>]

    func makeAsyncIterator() -> Iterator { Iterator(chunks: chunks) }

    struct Iterator: AsyncIteratorProtocol {
        let chunks: [ArraySlice<UInt8>]
        var index = 0
        mutating func next() async throws -> ArraySlice<UInt8>? {
            guard index < chunks.count else { return nil }
            defer { index += 1 }
            return chunks[index]
        }
    }
}
