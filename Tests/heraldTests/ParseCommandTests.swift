import Foundation
import Testing

/// `herald parse`, run as a process the way `curl -N URL | herald parse` runs it.
@Suite struct ParseCommandTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func run(_ arguments: [String], input: Data) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = Self.root.appendingPathComponent(".build/debug/herald")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func seedExamplePrintsOneJSONObjectPerEvent() throws {
        let input = try Data(contentsOf: Self.root.appendingPathComponent("examples/seed-002.txt"))
        let result = try run(["parse"], input: input)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(objects.map { $0["type"] as? String } == ["message", "message", "foo", "bar", "message"])
        #expect(objects[3]["data"] as? String == "Multi-line message of\ntype \"bar\" and id \"42\"")
        #expect(objects[3]["id"] as? String == "42")
        #expect(objects[0]["id"] is NSNull)
        #expect(objects[4]["id"] as? String == "43")
    }

    @Test func oversizedEventIsReportedOnStandardErrorWithFailingStatus() throws {
        let result = try run(["parse", "--max-line-length", "8"], input: Data("data: far too long\n\ndata: ok\n\n".utf8))
        #expect(result.status == 1)
        #expect(result.stdout == #"{"type":"message","data":"ok","id":null,"retry":null}"# + "\n")
        #expect(result.stderr.contains("longer than 8 bytes"))
    }

    @Test func controlCharactersAreEscapedInJSON() throws {
        let result = try run(["parse"], input: Data("data: tab\there \u{1}\\ \"q\"\n\n".utf8))
        #expect(result.stdout == #"{"type":"message","data":"tab\there \u0001\\ \"q\"","id":null,"retry":null}"# + "\n")
    }
}
