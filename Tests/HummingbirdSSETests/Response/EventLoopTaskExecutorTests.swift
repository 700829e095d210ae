import HummingbirdSSE
import NIOCore
import NIOPosix
import Testing

@Suite struct EventLoopTaskExecutorTests {
    @Test func taskPreferringTheExecutorRunsOnItsEventLoopAcrossSuspensions() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let eventLoop = group.next()
        let executor = EventLoopTaskExecutor(eventLoop)
        let onLoop = await Task(executorPreference: executor) {
            var checks = [eventLoop.inEventLoop]
            for _ in 0..<3 {
                try? await Task.sleep(for: .milliseconds(1))  // resumed from the timer's thread
                checks.append(eventLoop.inEventLoop)
            }
            return checks
        }.value
        #expect(onLoop == [true, true, true, true])
        #expect(await Task { eventLoop.inEventLoop }.value == false)
        try await group.shutdownGracefully()
    }
}
