#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered access to the process's standard streams without Foundation.
enum StandardStreams {
    /// Reads up to `capacity` bytes from standard input; an empty array means end of input.
    static func readInput(into buffer: inout [UInt8]) throws(StandardStreamError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw StandardStreamError(message: "cannot read standard input: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a line to standard output.
    static func printLine(_ line: String) {
        write(STDOUT_FILENO, line + "\n")
    }

    /// Writes a line to standard error.
    static func printError(_ line: String) {
        write(STDERR_FILENO, line + "\n")
    }

    /// Whether standard output is a terminal (for colour).
    static var outputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    private static func write(_ descriptor: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// Reading or writing a standard stream failed.
struct StandardStreamError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
