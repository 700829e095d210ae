import Synchronization

/// What the demo streams have seen: which are open, how many clients left, and the
/// `Last-Event-ID` of every re-poll. The page and the browser test read it at `/demo/activity`.
public final class DemoActivity: Sendable {
    /// The demo streams.
    public enum Stream: String, CaseIterable, Sendable {
        case time, multi, json, wire, repoll
        /// The page's own stream: time, multi and json in one, so that every tab shares one connection.
        case seeds
    }

    private struct State {
        var open: [Stream: Int] = [:]
        var closed: [Stream: Int] = [:]
        var repollLastEventIDs: [String] = []
    }

    /// How many re-poll ids are kept: the oldest are dropped past it.
    static let repollHistoryLimit = 100

    private let state = Mutex(State())

    public init() {}

    func opened(_ stream: Stream) {
        state.withLock { $0.open[stream, default: 0] += 1 }
    }

    func closed(_ stream: Stream) {
        state.withLock {
            $0.open[stream, default: 0] -= 1
            $0.closed[stream, default: 0] += 1
        }
    }

    func repolled(lastEventID: String?) {
        state.withLock {
            $0.repollLastEventIDs.append(lastEventID ?? "")
            if $0.repollLastEventIDs.count > Self.repollHistoryLimit { $0.repollLastEventIDs.removeFirst() }
        }
    }

    /// `{"connections":N,"open":{…},"closed":{…},"repollLastEventIDs":[…]}`, with the server's
    /// `openConnections` (`null` when not known).
    public func json(openConnections: Int?) -> String {
        state.withLock { state in
            func counts(_ values: [Stream: Int]) -> String {
                "{" + Stream.allCases.map { "\"\($0.rawValue)\":\(values[$0, default: 0])" }.joined(separator: ",") + "}"
            }
            let ids = state.repollLastEventIDs.map {
                "\"\($0.unicodeScalars.filter { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 }.map(String.init).joined())\""
            }
            let connections = #"{"connections":"# + (openConnections.map(String.init) ?? "null")
            let streams = #","open":"# + counts(state.open) + #","closed":"# + counts(state.closed)
            return connections + streams + #","repollLastEventIDs":["# + ids.joined(separator: ",") + "]}"
        }
    }
}
