/// The writers a dispatch woke, grouped by event loop, so that each loop is asked once per publish
/// batch to write to all of its subscribers rather than once per subscriber. (Writers waiting for a
/// loop, not bytes waiting for a socket, as NIO's `PendingWritesManager` holds.)
struct WokenWriters {
    private var groups: [(coalescer: WriteCoalescer, writers: [SubscriberChannelWriter])] = []
    /// The loop this runs on, when it writes its subscribers' frames as they are woken.
    private let writingAtOnceOn: WriteCoalescer?

    /// Made by ``WriteCoalescer/startDispatch(of:)``, which decides; with no loop, for subscribers
    /// with no connection.
    ///
    /// - Parameter writingAtOnceOn: The event loop this runs on, if the writers of that loop are to
    ///   write at once rather than when scheduled.
    init(writingAtOnceOn: WriteCoalescer? = nil) {
        self.writingAtOnceOn = writingAtOnceOn
    }

    /// Whether the writers of this dispatch's loop write as they are woken, rather than when scheduled.
    var writesAsWoken: Bool { writingAtOnceOn != nil }

    /// Whether `writer` writes an update as it is offered, without queueing it: it is on the loop
    /// that writes at once, its connection takes more now, and its client keeps up (one that does
    /// not is written after the others, by the coalescer).
    func writesAtOnce(with writer: SubscriberChannelWriter) -> Bool {
        isWritingAtOnce(on: writer.coalescer) && writer.connectionIsWritable && !writer.clientIsBehind
    }

    /// Writes with `writer` at once, or adds it to its event loop's group.
    mutating func add(_ writer: SubscriberChannelWriter) {
        if isWritingAtOnce(on: writer.coalescer), !writer.clientIsBehind {
            writer.writeQueuedFrames()
            return
        }
        // A server has a handful of event loops: a linear search beats hashing.
        if let index = groups.firstIndex(where: { $0.coalescer === writer.coalescer }) {
            groups[index].writers.append(writer)
        } else {
            groups.append((writer.coalescer, [writer]))
        }
    }

    /// Asks each event loop to write its subscribers' queued frames, paced by its coalescer.
    func schedule() {
        writingAtOnceOn?.finishedWritingAtOnce()
        for (coalescer, writers) in groups { coalescer.write(writers) }
    }

    private func isWritingAtOnce(on coalescer: WriteCoalescer) -> Bool {
        writingAtOnceOn === coalescer
    }
}
