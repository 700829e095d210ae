public import NIOCore

/// Where the hub keeps published updates, for replay to subscribers that reconnect.
///
/// The fan-out never calls the store: the hub appends an update, then hands the stored update to the
/// subscribers. A store shared by several hub nodes fits behind the same interface.
public protocol EventStore: Sendable {
    /// Stores `updates`, each with its encoded event, in one transaction, and returns them in the
    /// same order with their sequence numbers, which ascend in that order.
    func append(contentsOf updates: [(update: Update, frame: ByteBuffer)]) async throws -> [StoredUpdate]

    /// The sequence number of the newest update stored with id `id`, or `nil` if none is.
    func sequence(ofID id: String) async throws -> Int64?

    /// The newest update's sequence number and id, or `nil` when the history is empty.
    func newest() async throws -> (sequence: Int64, id: String)?

    /// Up to `limit` updates with sequence numbers above `sequence` and at most `through`, oldest
    /// first, and no more than fit in `maximumBytes` of encoded events (but always the first, when
    /// there is one): what a page of history holds in memory stays bounded however large updates are.
    func updates(after sequence: Int64, through: Int64, limit: Int, maximumBytes: Int) async throws -> [StoredUpdate]

    /// Removes updates beyond the newest `maximumCount`, and those older than `maximumAge`; returns
    /// how many it removed.
    func trim(maximumCount: Int?, maximumAge: Duration?) async throws -> Int

    /// Throws, saying why, when the store could not store an update now (a full disk, a read-only
    /// file, a lost database): what `/healthz` asks, so a load balancer stops sending publishes
    /// to a node that would refuse them.
    func checkWritable() async throws

    /// Releases the store's resources; no call may follow.
    func close() async throws
}

extension EventStore {
    /// By default, a store that answers a read is taken to be able to write.
    public func checkWritable() async throws {
        _ = try await newest()
    }
}

extension EventStore {
    /// Stores `update`, whose encoded event is `frame`, and returns it with its sequence number.
    public func append(_ update: Update, frame: ByteBuffer) async throws -> StoredUpdate {
        guard let stored = try await append(contentsOf: [(update, frame)]).first else {
            throw EventStoreError("the store returned nothing for the update it stored")
        }
        return stored
    }
}
