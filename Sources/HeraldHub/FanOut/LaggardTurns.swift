import DequeModule
import HummingbirdSSE
import NIOCore

/// One event loop's work for the subscribers that wait for the others, done a few at a time between
/// the loop's other work: writers whose clients stopped reading (``PeerReadingProbe``), streams that
/// ended, and connections of subscribers dropped for lagging.
///
/// Beside thousands of clients that stopped reading, the clients that read are then not kept waiting
/// behind writes nobody reads, or behind hundreds of streams ending at once, nor are the publishes
/// the loop has yet to read.
///
/// A writer whose client is behind is paused: what is published for it waits in its queue, counted
/// against the hub's bounds, which drop it if it never reads again. Every ``recheckInterval`` the
/// paused writers' windows are read again; those that caught up write everything that waited, in
/// one write.
final class LaggardTurns: Sendable {
    /// The most laggards the loop rechecks, ends or closes in one turn.
    static let perTurn = 32
    /// How long after a turn the next is due, so that the loop polls its sockets in between.
    static let pauseBetweenTurns = TimeAmount.microseconds(50)
    /// How often paused writers are checked for having caught up.
    static let recheckInterval = TimeAmount.milliseconds(100)

    /// Work for a subscriber that waits for the others.
    private enum Laggard {
        /// Its client is behind on reading: write its queued frames once it has caught up.
        case behindOnReading(SubscriberChannelWriter)
        /// Its queue ended: write what remains and end its stream.
        case ended(SubscriberChannelWriter)
        /// It was dropped for lagging: close its connection.
        case dropped(ServerSentEventStreamCloser)
    }

    private struct State {
        /// The laggards of the turns under way, in the order they came. A writer is among them at
        /// most once as behind on reading: its queue asks for one write until a write takes its
        /// frames.
        var due: Deque<Laggard> = []
        /// Writers still behind at this round's check, for the next round.
        var paused: [SubscriberChannelWriter] = []
        var turnIsScheduled = false
        var roundIsScheduled = false
    }

    let eventLoop: any EventLoop
    private let state: NIOLoopBoundBox<State>

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.state = .makeBoxSendingValue(State(), as: State.self, eventLoop: eventLoop)
    }

    /// On the event loop, for a writer whose client was behind when it was due to write: it writes
    /// once a check finds that its client caught up.
    func pause(_ writer: SubscriberChannelWriter) {
        // An ended stream is not paused: its writer ends it now, whatever the client reads.
        if writer.streamHasEnded {
            writer.writeQueuedFrames()
            return
        }
        guard !writer.isPaused else { return }
        writer.isPaused = true
        state.value.paused.append(writer)
        scheduleRound()
    }

    /// From any thread, for a writer of this loop whose queue ended: it writes what remains and ends
    /// its stream in one of the loop's next turns. Hundreds of subscribers ended at once (shed for
    /// lagging, or reaching their write timeout together) would otherwise end in one go.
    func end(_ writer: SubscriberChannelWriter) {
        add(.ended(writer))
    }

    /// From any thread, for a subscriber of this loop dropped for lagging, its queue already ended:
    /// closes its connection in one of the loop's next turns.
    func close(_ closer: ServerSentEventStreamCloser) {
        add(.dropped(closer))
    }

    private func add(_ laggard: Laggard) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.add(laggard) }
            return
        }
        state.value.due.append(laggard)
        scheduleTurn()
    }

    private func scheduleTurn() {
        guard !state.value.due.isEmpty, !state.value.turnIsScheduled else { return }
        state.value.turnIsScheduled = true
        // A little later rather than at once: NIO runs every task that is due before it polls its
        // sockets again, so a turn due now would follow this one before a publish waiting to be read
        // is read. Due later, the loop polls first, and the publish waits for one turn at most.
        eventLoop.scheduleTask(in: Self.pauseBetweenTurns) { self.takeTurn() }
    }

    private func scheduleRound() {
        guard !state.value.roundIsScheduled else { return }
        state.value.roundIsScheduled = true
        eventLoop.scheduleTask(in: Self.recheckInterval) {
            self.state.value.roundIsScheduled = false
            let paused = self.state.value.paused
            self.state.value.paused = []
            self.state.value.due.append(contentsOf: paused.lazy.map(Laggard.behindOnReading))
            self.scheduleTurn()
        }
    }

    private func takeTurn() {
        state.value.turnIsScheduled = false
        for _ in 0..<Self.perTurn {
            switch state.value.due.popFirst() {
            case .behindOnReading(let writer):
                writer.isPaused = false
                if !writer.streamHasEnded, writer.checkWhetherClientIsBehind() {
                    pause(writer)
                } else {
                    writer.writeQueuedFrames()
                }
            case .ended(let writer):
                writer.writeQueuedFrames()
            case .dropped(let closer):
                closer.close(because: SubscriberLagging())
            case nil:
                return
            }
        }
        scheduleTurn()
    }
}
