/// The wire-format example of the seed documents ("HTML5 Server-Sent Events", the request and
/// response walk-through), byte for byte: a `retry`, a plain string, JSON, an event of type `foo`,
/// a two-line event of type `bar` with id 42, and one with id 43. A browser fires exactly five events.
enum SeedWireExample {
    static let text = """
        retry: 15000

        data: First message is a simple string.

        data: {"message": "JSON payload"}

        event: foo
        data: Message of type "foo"

        id: 42
        event: bar
        data: Multi-line message of
        data: type "bar" and id "42"

        id: 43
        data: Last message, id "43"


        """
}
