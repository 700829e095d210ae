import Testing

@testable import HeraldHub

/// The first request's routing as a value: events in, actions out, no channel.
@Suite struct FirstRequestRouterStateMachineTests {
    typealias Machine = FirstRequestRouter.StateMachine<String>

    @Test func aSubscribeRequestFirstMakesTheConnectionTheHubsAndLaterBytesAreDropped() {
        var machine = Machine()
        #expect(machine.requestPart("head", startsSubscription: true) == .takeForSubscriber)
        #expect(!machine.isUndecided)
        #expect(machine.requestPart("stray body", startsSubscription: false) == .drop)
        #expect(machine.otherInbound("read complete", isReadComplete: true) == .drop)
        #expect(machine.otherInbound("event") == .forward)
        #expect(machine.otherInbound("error", isError: true) == .close)
        #expect(machine.read() == .read)
        #expect(machine.passOn() == nil)
    }

    @Test func anyOtherFirstRequestIsHeldInOrderUntilHummingbirdTakesIt() {
        var machine = Machine()
        #expect(machine.requestPart("head", startsSubscription: false) == .hold(decided: true))
        #expect(machine.requestPart("body", startsSubscription: false) == .hold(decided: false))
        #expect(machine.otherInbound("read complete", isReadComplete: true) == .hold(decided: false))
        #expect(machine.otherInbound("event") == .hold(decided: false))
        // Nothing more is read while it waits, which bounds what it holds.
        #expect(machine.read() == .wait)
        let passed = machine.passOn()
        #expect(passed?.held == ["head", "body", "read complete", "event"])
        #expect(passed?.readRequested == true)
        // Then it only passes things on.
        #expect(machine.requestPart("next head", startsSubscription: true) == .forward)
        #expect(machine.otherInbound("error", isError: true) == .forward)
        #expect(machine.read() == .read)
        #expect(machine.passOn() == nil)
    }

    @Test func anErrorOrEventBeforeAnyRequestGoesToHummingbird() {
        var error = Machine()
        #expect(error.otherInbound("error", isError: true) == .hold(decided: true))
        #expect(error.passOn()?.held == ["error"])
        var event = Machine()
        #expect(event.otherInbound("quiesce") == .hold(decided: true))
        #expect(event.passOn()?.readRequested == false)
    }

    @Test func aReadCompleteBeforeAnyRequestDecidesNothing() {
        var machine = Machine()
        #expect(machine.otherInbound("read complete", isReadComplete: true) == .drop)
        #expect(machine.isUndecided)
        #expect(machine.read() == .read)
    }
}
