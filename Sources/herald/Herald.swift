import ArgumentParser

/// The `herald` command: Server-Sent Events tools and hub.
@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Server-Sent Events for Swift: a hub, a client and the tools around them.",
        subcommands: [Serve.self, Publish.self, Token.self, Listen.self, Parse.self, Bench.self],
        defaultSubcommand: Serve.self
    )
}
