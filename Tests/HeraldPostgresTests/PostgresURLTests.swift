import HeraldPostgres
import Testing

/// `--store postgres://…` read as libpq reads it, and refused with what to fix.
@Suite struct PostgresURLTests {
    @Test func fieldsArePercentDecodedAndDefaultsAreLibpqs() throws {
        let url = try PostgresURL("postgresql://ada:p%40ss%3Aword@db.example.com:6543/herald%20log?sslmode=verify-full")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.username == "ada")
        #expect(url.password == "p@ss:word")
        #expect(url.database == "herald log")
        #expect(url.sslMode == .verifyFull)
        let plain = try PostgresURL("postgres://ada@localhost/herald")
        #expect(plain.port == 5432)
        #expect(plain.password == nil)
        #expect(plain.sslMode == .prefer)
    }

    @Test func redactedHidesThePassword() throws {
        let url = try PostgresURL("postgres://ada:secret@localhost:5432/herald?sslmode=disable")
        #expect(!url.redacted.contains("secret"))
        #expect(url.redacted == "postgres://ada:***@localhost:5432/herald?sslmode=disable")
    }

    @Test(arguments: [
        ("mysql://ada@localhost/herald", "is not a PostgreSQL URL"),
        ("postgres:///herald", "has no host"),
        (
            "postgres://ada@localhost/herald?sslmode=sometimes",
            "sslmode=sometimes is not one of disable, allow, prefer, require, verify-ca, verify-full"
        ),
    ])
    func unusableURLsSayWhatIsWrong(url: String, message: String) {
        #expect {
            _ = try PostgresURL(url)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
