import Testing

@testable import HeraldHub

@Suite struct BacklogLimitsTests {
    let limits = BacklogLimits(updates: 3, bytes: 100)

    @Test func aBacklogAtBothLimitsIsAllowed() {
        #expect(limits.allow(updates: 3, bytes: 100))
        #expect(limits.allow(updates: 0, bytes: 0))
    }

    @Test func oneUpdateOverTheCountIsNot() {
        #expect(!limits.allow(updates: 4, bytes: 10))
    }

    @Test func oneByteOverTheSizeIsNot() {
        #expect(!limits.allow(updates: 1, bytes: 101))
    }
}
