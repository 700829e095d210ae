import HeraldHub
import Testing

@Suite struct TopicSelectorTests {
    @Test func starMatchesEveryTopic() {
        let selector = TopicSelector("*")
        #expect(selector.matches("https://example.com/books/1"))
        #expect(selector.matches(""))
    }

    @Test func exactSelectorMatchesOnlyItself() {
        let selector = TopicSelector("https://example.com/books/1")
        #expect(selector.matches("https://example.com/books/1"))
        #expect(!selector.matches("https://example.com/books/12"))
        #expect(!selector.matches("https://example.com/books/"))
        #expect(selector.exactTopic == "https://example.com/books/1")
    }

    @Test func templateMatchesExpansionsOfItsVariable() {
        let selector = TopicSelector("https://example.com/books/{id}")
        #expect(selector.matches("https://example.com/books/1"))
        #expect(selector.matches("https://example.com/books/war%20and%20peace"))
        #expect(selector.matches("https://example.com/books/"))  // an empty value expands to nothing
        #expect(!selector.matches("https://example.com/books/1/chapters/2"))  // `/` is reserved: not in a simple value
        #expect(!selector.matches("https://example.com/authors/1"))
        #expect(selector.exactTopic == nil)
    }

    @Test func templateAlsoMatchesItsOwnText() {
        // Authorization compares a subscriber's selector with the token's selectors this way.
        #expect(TopicSelector("https://example.com/books/{id}").matches("https://example.com/books/{id}"))
    }

    @Test(arguments: [
        ("https://example.com/{+path}", "https://example.com/books/1/chapters/2", true),
        ("https://example.com/{path}", "https://example.com/books/1", false),
        ("https://example.com/page{#section}", "https://example.com/page#intro", true),
        ("https://example.com/page{#section}", "https://example.com/page", true),
        ("https://example.com/file{.ext}", "https://example.com/file.json", true),
        ("https://example.com{/a,b}", "https://example.com/x/y", true),
        ("https://example.com{/a,b}", "https://example.com/x/y/z", false),
        ("https://example.com{/list*}", "https://example.com/x/y/z", true),
        ("https://example.com/map{;x,y}", "https://example.com/map;x=1;y=2", true),
        ("https://example.com/map{;x,y}", "https://example.com/map;y=2", true),
        ("https://example.com/map{;x,y}", "https://example.com/map;z=2", false),
        ("https://example.com/search{?q,lang}", "https://example.com/search?q=swift&lang=en", true),
        ("https://example.com/search{?q,lang}", "https://example.com/search?lang=en", true),
        ("https://example.com/search{?q,lang}", "https://example.com/search?q=swift&page=2", false),
        ("https://example.com/search{?q}{&page}", "https://example.com/search?q=a&page=2", true),
        ("https://example.com/users/foo/{?topic}", "https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1", true),
        ("https://example.com/users/foo/{?topic}", "https://example.com/users/bar/?topic=x", false),
        ("https://example.com/{id:3}", "https://example.com/abc", true),
        ("https://example.com/{id:3}", "https://example.com/abcd", false),
        ("https://example.com/{a}-{b}", "https://example.com/1-2", true),
    ])
    func operatorsFollowRFC6570(template: String, topic: String, matches: Bool) {
        #expect(TopicSelector(template).matches(topic) == matches)
    }

    @Test func invalidTemplateIsMatchedAsPlainText() {
        let selector = TopicSelector("https://example.com/{unclosed")
        #expect(selector.matches("https://example.com/{unclosed"))
        #expect(!selector.matches("https://example.com/x"))
        #expect(selector.exactTopic == "https://example.com/{unclosed")
    }

    @Test func longTopicAgainstManyExpressionsStaysPolynomial() {
        // Adjacent expressions are where a backtracking matcher explodes; this must simply finish.
        let selector = TopicSelector("{a}{b}{c}{d}{e}{f}{g}{h}!")
        #expect(!selector.matches(String(repeating: "x", count: 400)))
        #expect(selector.matches(String(repeating: "x", count: 400) + "!"))
    }
}
