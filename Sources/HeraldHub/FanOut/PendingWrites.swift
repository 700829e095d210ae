/// The writers a dispatch woke, grouped by event loop, so that each loop is asked once per publish
/// batch to write to all of its subscribers rather than once per subscriber.
struct PendingWrites {
    private var groups: [(coalescer: WriteCoalescer, writers: [SubscriberChannelWriter])] = []

    /// Adds `writer` to its event loop's group.
    mutating func add(_ writer: SubscriberChannelWriter) {
        // A server has a handful of event loops: a linear search beats hashing.
        if let index = groups.firstIndex(where: { $0.coalescer === writer.coalescer }) {
            groups[index].writers.append(writer)
        } else {
            groups.append((writer.coalescer, [writer]))
        }
    }

    /// Asks each event loop to write its subscribers' queued frames, paced by its coalescer.
    func schedule() {
        for (coalescer, writers) in groups { coalescer.write(writers) }
    }
}
