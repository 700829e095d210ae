#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's local time as the seeds print it, without Foundation.
enum WallClock {
    /// `2026-11-24 13:05:09` (PHP's `date('Y-m-d H:i:s')`).
    static func dateTime() -> String { format("%Y-%m-%d %H:%M:%S") }

    /// `13:05:09` (PHP's `date('H:i:s')`).
    static func time() -> String { format("%H:%M:%S") }

    private static func format(_ pattern: String) -> String {
        var now = time_t()
        Glibc.time(&now)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
