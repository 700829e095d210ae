/// The events of a `text/event-stream` whose bytes arrive as an asynchronous sequence of chunks.
///
/// Created with ``_Concurrency/AsyncSequence/serverSentEvents(configuration:)``. When the byte sequence
/// ends, an unfinished event is discarded. An event that goes past a parser limit makes `next()` throw
/// its ``ServerSentEventParseError``; the iterator stays usable, and calling `next()` again carries on
/// with the events after it.
public struct ServerSentEventAsyncSequence<Base: AsyncSequence>: AsyncSequence where Base.Element: Sequence<UInt8> {
    public typealias Element = ServerSentEvent

    // Inlinable, as swift-async-algorithms' sequences are, so the iterator is specialised for the
    // caller's base sequence instead of running generic code for every event.
    @usableFromInline let base: Base
    @usableFromInline let configuration: ServerSentEventParser.Configuration

    @inlinable
    init(base: Base, configuration: ServerSentEventParser.Configuration) {
        self.base = base
        self.configuration = configuration
    }

    @inlinable
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), parser: ServerSentEventParser(configuration: configuration))
    }

    /// Reads chunks from the base sequence only when no parsed event is waiting.
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline var base: Base.AsyncIterator
        @usableFromInline var parser: ServerSentEventParser
        /// Parsed from the last chunk, each taken out (left `nil`) as `next()` returns it, which moves
        /// it rather than copying it and releasing the array's copy later.
        @usableFromInline var ready: [ServerSentEventParser.Output?] = []
        @usableFromInline var readyIndex = 0
        @usableFromInline var baseFinished = false

        @inlinable
        init(base: Base.AsyncIterator, parser: ServerSentEventParser) {
            self.base = base
            self.parser = parser
        }

        @inlinable
        public mutating func next() async throws -> ServerSentEvent? {
            while true {
                if readyIndex < ready.count {
                    let output = ready[readyIndex].take()!
                    readyIndex += 1
                    return try output.get()
                }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                guard !baseFinished else { return nil }
                guard let chunk = try await base.next() else {
                    baseFinished = true
                    parser.finish()
                    return nil
                }
                // Swapped out rather than copied, so appending does not copy the array's storage.
                var parsed: [ServerSentEventParser.Output?] = []
                swap(&parsed, &ready)
                parser.parse(chunk) { parsed.append($0) }
                swap(&parsed, &ready)
            }
        }
    }
}

extension ServerSentEventAsyncSequence: Sendable where Base: Sendable {}

extension AsyncSequence where Element: Sequence<UInt8> {
    /// The server-sent events in this sequence of byte chunks.
    @inlinable
    public func serverSentEvents(
        configuration: ServerSentEventParser.Configuration = .init()
    ) -> ServerSentEventAsyncSequence<Self> {
        ServerSentEventAsyncSequence(base: self, configuration: configuration)
    }
}
