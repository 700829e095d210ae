public import NIOCore

/// Runs a task's jobs on one SwiftNIO event loop: give it as the writing executor of a
/// server-sent events response (``ServerSentEventStreamCloser/init(writingOn:)``) with the event loop
/// of the response's connection, and each write reaches the socket without a hop between threads.
///
/// Work that blocks must not run on it: it would stall every connection of that event loop.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The event loop the jobs run on.
    public let eventLoop: any EventLoop

    /// An executor running jobs on `eventLoop`.
    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
