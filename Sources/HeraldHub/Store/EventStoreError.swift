/// A store could not do what was asked, or returned something it should not have.
struct EventStoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
