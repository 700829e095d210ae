import ArgumentParser

/// `herald serve`: runs the Herald server (the default command).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Herald server.")

    func run() async throws {
        throw CleanExit.message("herald serve is not built yet; try `herald parse`.")
    }
}
