#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Option defaults from `HERALD_…` environment variables.
enum Environment {
    static func string(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(
            decoding: UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: strlen(value)),
            as: UTF8.self
        )
        return text.isEmpty ? nil : text
    }

    static func integer(_ name: String) -> Int? { string(name).flatMap { Int($0) } }

    static func double(_ name: String) -> Double? { string(name).flatMap { Double($0) } }
}

extension Environment {
    /// `1`, `true`, `yes` or `on` (any case) is true; `0`, `false`, `no` or `off` is false.
    static func boolean(_ name: String) -> Bool? {
        switch string(name)?.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }

    /// A comma-separated list; empty when unset.
    static func list(_ name: String) -> [String] {
        string(name)?.split(separator: ",").map { $0.trimming(" ") } ?? []
    }
}
