/// A store could not do what was asked, or returned something it should not have.
public struct EventStoreError: Error, CustomStringConvertible {
    public let description: String

    /// An error that says, in `description`, what went wrong.
    public init(_ description: String) { self.description = description }
}
