import NIOCore
import Testing

@testable import HeraldHub

@Suite struct UpdateHandoverTests {
    private func updates(_ sequences: ClosedRange<Int64>) -> [LiveUpdate] {
        sequences.map {
            LiveUpdate(StoredUpdate(sequence: $0, id: "\($0)", topics: ["t"], isPrivate: false, frame: ByteBuffer(string: "data: \($0)\n\n")))
        }
    }

    @Test func loopIsAskedOnceForTheBatchesThatWaitTogether() {
        let handover = UpdateHandover(limits: BacklogLimits(updates: 100, bytes: 1 << 20))
        #expect(handover.hand(updates(1...1)) == .askTheLoop)
        #expect(handover.hand(updates(2...3)) == .waitingWithOthers)
        #expect(handover.take().map(\.sequence) == [1, 2, 3])
        // Taken: the next batch asks the loop again.
        #expect(handover.hand(updates(4...4)) == .askTheLoop)
        #expect(handover.take().map(\.sequence) == [4])
        #expect(handover.take().isEmpty)
    }

    @Test func loopThatStopsTakingOverflowsTheHandoverAndLosesWhatWaited() {
        let handover = UpdateHandover(limits: BacklogLimits(updates: 3, bytes: 1 << 20))
        #expect(handover.hand(updates(1...2)) == .askTheLoop)
        #expect(handover.hand(updates(3...3)) == .waitingWithOthers)
        #expect(handover.hand(updates(4...4)) == .overflowed)
        // The loop, asked before, finds nothing: its subscribers are being ended.
        #expect(handover.take().isEmpty)
    }

    @Test func handoverHoldsNoMoreBytesThanItsLimit() {
        // Each frame is "data: N\n\n", 9 bytes.
        let handover = UpdateHandover(limits: BacklogLimits(updates: 100, bytes: 20))
        #expect(handover.hand(updates(1...2)) == .askTheLoop)
        #expect(handover.hand(updates(3...3)) == .overflowed)
        #expect(handover.take().isEmpty)
        // Taken and emptied: it holds updates again.
        #expect(handover.hand(updates(4...5)) == .askTheLoop)
        #expect(handover.take().map(\.sequence) == [4, 5])
    }

    @Test func batchLargerThanTheLimitsIsTakenWhenNothingWaits() {
        let handover = UpdateHandover(limits: BacklogLimits(updates: 2, bytes: 1 << 20))
        #expect(handover.hand(updates(1...3)) == .askTheLoop)
        #expect(handover.take().map(\.sequence) == [1, 2, 3])
    }
}
