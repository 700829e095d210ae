import Testing

@testable import HeraldHub

/// Form and query fields as the hub reads them from publish bodies and subscribe queries.
@Suite struct FormFieldsTests {
    @Test func repeatedNamesKeepEveryValueInOrder() {
        let fields = FormFields("topic=a&data=x&topic=b%2Fc&flag")
        #expect(fields.values("topic") == ["a", "b/c"])
        #expect(fields.first("data") == "x")
        #expect(fields.contains("flag"))
        #expect(fields.malformedNames.isEmpty)
    }

    @Test func aCombiningMarkAfterTheSeparatorsDoesNotHideThem() {
        // "=" and "&" each followed by U+035B are one character each: the split is on bytes. (Found
        // by the hub-input fuzzer.)
        let fields = FormFields("topic=\u{35B}a&\u{35B}b=c")
        #expect(fields.values("topic") == ["\u{35B}a"])
        #expect(fields.values("\u{35B}b") == ["c"])
    }

    @Test func malformedEscapesAndInvalidUTF8AreNotedByName() {
        let fields = FormFields("topic=%zz&data=%FF&id=ok%20fine&type=50%")
        #expect(fields.malformedNames == ["topic", "data", "type"])
        #expect(fields.firstMalformed(of: ["id", "data", "topic"]) == "data")
        #expect(fields.first("id") == "ok fine")
        #expect(fields.first("topic") == "%zz")  // kept as written, as browsers do
    }
}
