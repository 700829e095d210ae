import NIOCore

/// Runs a connection's tasks on the connection's own event loop.
///
/// Hummingbird serves each connection from a task on Swift's global executor: every request is a
/// hop from the event loop that read it to a pooled thread, and its response a hop back. Preferring
/// this executor for the connection's task (`withTaskExecutorPreference`) runs the route on the
/// thread that reads and writes the connection, as nchan does: a publish then wakes one other thread
/// (the store's) rather than three. The routes of the hub never block, so the loop is not held up.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
