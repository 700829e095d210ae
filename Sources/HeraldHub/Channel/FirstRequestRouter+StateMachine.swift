extension FirstRequestRouter {
    /// Who serves a connection, decided by its first request, as a value: each event the handler
    /// sees goes in, and what the handler must do comes out. It holds what arrives while hummingbird
    /// gets ready (`Held`: the handler's events), and nothing else; it touches no channel, so it is
    /// tested as a plain value.
    struct StateMachine<Held> {
        private enum State {
            case waitingForRequest
            /// Going to hummingbird: what arrived meanwhile, in order, and whether a read was asked for.
            case holding([Held], readRequested: Bool)
            case subscriber
            case passedOn
        }

        /// What to do with an inbound event.
        enum InboundAction: Equatable {
            /// The connection is the hub's: serve the request as a subscriber.
            case takeForSubscriber
            /// Keep it for hummingbird; `decided` when this is what makes the connection hummingbird's.
            case hold(decided: Bool)
            /// Pass it on to the next handler.
            case forward
            /// Drop it: a subscriber has nothing more to say.
            case drop
            /// Close the connection.
            case close
        }

        /// What to do when the next handler asks for a read.
        enum ReadAction: Equatable {
            case read
            /// Nothing is read until hummingbird takes what is held: that bounds it.
            case wait
        }

        private var state = State.waitingForRequest

        /// The first part of a request, or any later one; `startsSubscription` when it is the head of
        /// a subscribe request.
        mutating func requestPart(_ part: Held, startsSubscription: Bool) -> InboundAction {
            switch state {
            case .waitingForRequest where startsSubscription:
                state = .subscriber
                return .takeForSubscriber
            case .waitingForRequest, .holding:
                return hold(part)
            case .subscriber:
                return .drop
            case .passedOn:
                return .forward
            }
        }

        /// The end of a read, a user event, or an error: held while the route is not taken yet.
        mutating func otherInbound(_ event: Held, isError: Bool = false, isReadComplete: Bool = false) -> InboundAction {
            switch state {
            case .waitingForRequest where isReadComplete:
                return .drop  // nothing was read that hummingbird would need to hear ended
            case .waitingForRequest, .holding:
                return hold(event)
            case .subscriber:
                if isError { return .close }
                return isReadComplete ? .drop : .forward
            case .passedOn:
                return .forward
            }
        }

        /// Whether no request has decided yet who serves the connection.
        var isUndecided: Bool {
            if case .waitingForRequest = state { return true }
            return false
        }

        mutating func read() -> ReadAction {
            switch state {
            case .holding(let held, _):
                state = .holding(held, readRequested: true)
                return .wait
            case .waitingForRequest, .subscriber, .passedOn:
                return .read
            }
        }

        /// Hummingbird is ready: what was held, in order, and whether to read now; `nil` when the
        /// connection is not going to hummingbird.
        mutating func passOn() -> (held: [Held], readRequested: Bool)? {
            guard case .holding(let held, let readRequested) = state else { return nil }
            state = .passedOn
            return (held, readRequested)
        }

        private mutating func hold(_ event: Held) -> InboundAction {
            switch state {
            case .waitingForRequest:
                state = .holding([event], readRequested: false)
                return .hold(decided: true)
            case .holding(var held, let readRequested):
                state = .passedOn  // lets `held` be appended to without a copy
                held.append(event)
                state = .holding(held, readRequested: readRequested)
                return .hold(decided: false)
            case .subscriber, .passedOn:
                return .drop
            }
        }
    }
}
