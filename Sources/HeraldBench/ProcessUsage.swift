#if canImport(Glibc)
import Glibc
#endif

/// CPU time and resident memory of a process, read from `/proc` (Linux).
struct ProcessUsage: Sendable {
    /// CPU seconds in user space.
    let userSeconds: Double
    /// CPU seconds in the kernel on the process's behalf (for a server: mostly its socket writes).
    let systemSeconds: Double
    /// User plus system CPU seconds.
    var cpuSeconds: Double { userSeconds + systemSeconds }
    /// Resident set size, in bytes.
    let residentBytes: Int

    /// The usage of process `pid`, or `nil` if it cannot be read.
    static func of(pid: Int32) -> ProcessUsage? {
        guard let stat = read("/proc/\(pid)/stat"), let status = read("/proc/\(pid)/status") else { return nil }
        // Fields after the command name, which is in parentheses and may hold spaces.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // utime and stime are fields 14 and 15 of the whole line: 12th and 13th after the name.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let rssLine = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        let kilobytes = rssLine.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        return ProcessUsage(userSeconds: user / ticks, systemSeconds: system / ticks, residentBytes: kilobytes * 1024)
    }

    /// The summed usage of the processes `pids` (a cluster's nodes); `nil` when there are none or one
    /// cannot be read.
    static func total(of pids: [Int32]) -> ProcessUsage? {
        guard !pids.isEmpty else { return nil }
        var user = 0.0
        var system = 0.0
        var resident = 0
        for pid in pids {
            guard let usage = of(pid: pid) else { return nil }
            user += usage.userSeconds
            system += usage.systemSeconds
            resident += usage.residentBytes
        }
        return ProcessUsage(userSeconds: user, systemSeconds: system, residentBytes: resident)
    }

    /// This process's own usage.
    static var current: ProcessUsage? { of(pid: getpid()) }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes += chunk[0..<count] }
            if count < chunk.count { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Monotonic nanoseconds, the clock publish and receive times are compared on.
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Raises this process's open-file limit to its hard limit, so it can hold many connections.
func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return Int(limit.rlim_cur)
}
