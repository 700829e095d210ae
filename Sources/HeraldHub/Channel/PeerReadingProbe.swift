import NIOCore

/// Tells, from the TCP window its client advertises, whether a subscriber's client is reading what
/// it is sent: a client that stops reading leaves the bytes in its receive buffer, and the window it
/// advertises shrinks by them.
///
/// Until its buffers fill, a client that never reads looks like one that keeps up: the kernel takes
/// every write (on loopback about 100 KiB per connection), and NIO's writability only changes
/// once the kernel refuses. The window says so after a few KiB, so the hub can write to the clients
/// that read first (``WriteCoalescer``) instead of after thousands of writes nobody reads.
///
/// Read with `TCP_INFO` (`tcpi_snd_wnd` and `tcpi_notsent_bytes`) when live writing starts, before
/// the second write, and before a write once every ``checkInterval`` bytes after (or half the
/// client's window, if that is less): a subscriber that keeps up costs a `getsockopt` every 16 KiB
/// (every 4 KiB cost 100 readers of 2 KiB updates about a quarter more CPU per delivery). Before a
/// write rather than after one, so that a client found behind is not written: the acknowledgement
/// that carries the shrunken window comes after a write, and the next write, coalescing what
/// arrived meanwhile, is the large one. Elsewhere, or on a kernel that does not report the window,
/// every client counts as reading.
///
/// A client on a slow link whose kernel holds unsent bytes at a reading counts as behind too, and
/// waits until the next check (``LaggardTurns/recheckInterval``) finds the bytes sent.
struct PeerReadingProbe {
    /// Bytes written between two readings of the window.
    static let checkInterval = 16 << 10

    /// Readings of a client behind whose window stays above half, but under three quarters, before
    /// it counts as caught up anyway: ten of ``LaggardTurns/recheckInterval``, a second.
    static let readingsBeforeWritingAgain = 10

    private var widestWindow: UInt32 = 0
    private var readingsWithoutProgress = 0
    private var lastWindow = 0
    /// Bytes written between two readings: ``checkInterval``, or half the window at the last
    /// reading if that is less, so that a client with a small window is read again before what it
    /// was sent could have filled it.
    private var readingInterval = Self.checkInterval
    private var writtenSinceCheck = 0
    private var hasWritten = false
    /// Whether the window is read before the next write: after the first write, whose
    /// acknowledgement tells thousands of clients that never read apart after one write each, not
    /// after a few KiB each; then once every `readingInterval` bytes.
    private(set) var readingIsDue = false
    /// Whether, at the last reading, the kernel held bytes it could not send, or the window was at
    /// most half the widest seen (for a client already behind, under three quarters, for at most
    /// ``readingsBeforeWritingAgain`` readings): the client held that much unread. Also set, until the next reading, by writing more than the window of
    /// the last reading. One that reads as data arrives stays near the widest (within 10 % here,
    /// with 2 KiB updates at 200 a second); the kernel sends a window update once the client has
    /// read enough to double a window below half, so a client that catches up is seen to.
    private(set) var clientIsBehind = false

    /// After `bytes` were written: makes a reading due if it is. Past the window at the last
    /// reading, the client is behind until a reading finds otherwise: the kernel holds what its
    /// window did not take, and a client with a small window is told apart a write sooner.
    mutating func wrote(_ bytes: Int) {
        writtenSinceCheck += bytes
        if !hasWritten || writtenSinceCheck >= readingInterval { readingIsDue = true }
        if lastWindow > 0, writtenSinceCheck > lastWindow { clientIsBehind = true }
        hasWritten = true
    }

    /// Before a write to `channel`: whether its client is behind, reading its window first if due.
    mutating func clientIsBehind(beforeWritingTo channel: any Channel) -> Bool {
        if readingIsDue { check(channel) }
        return clientIsBehind
    }

    /// Reads `channel`'s window now: the first reading, before anything is written, is the
    /// baseline a client that never reads falls below.
    mutating func check(_ channel: any Channel) {
        record(Self.readInfo(of: channel).map { Reading(sendWindow: $0.sendWindow, unsentBytes: $0.unsentBytes) })
    }

    /// What one reading of `TCP_INFO` says of the client.
    struct Reading {
        /// The window the client advertises, in bytes.
        var sendWindow: UInt32
        /// Bytes written that the kernel has not sent yet.
        var unsentBytes: UInt32
    }

    /// Takes in a reading of the window; `nil` when it could not be read.
    mutating func record(_ reading: Reading?) {
        readingIsDue = false
        writtenSinceCheck = 0
        guard let reading else { return }
        // A kernel that does not report the window leaves it zero: zero counts only after a wider one.
        guard reading.sendWindow > 0 || widestWindow > 0 else { return }
        widestWindow = max(widestWindow, reading.sendWindow)
        lastWindow = Int(reading.sendWindow)
        readingInterval = min(Self.checkInterval, lastWindow / 2)
        guard reading.unsentBytes == 0, reading.sendWindow > widestWindow / 2 else {
            clientIsBehind = true
            readingsWithoutProgress = 0
            return
        }
        // A client behind is caught up at three quarters of its widest window: one that stopped
        // reading after a small window's first few KiB sits just above half for good. But a client
        // that read everything advertises the window it freed only if that at least doubles it
        // (Linux's receiver), so one above half may never show more: after a second of readings
        // like that it is written again, once.
        if clientIsBehind, reading.sendWindow < widestWindow / 4 * 3, readingsWithoutProgress < Self.readingsBeforeWritingAgain {
            readingsWithoutProgress += 1
            return
        }
        clientIsBehind = false
        readingsWithoutProgress = 0
    }

    /// `channel`'s `TCP_INFO`; `nil` when unknown.
    private static func readInfo(of channel: any Channel) -> KernelTCPInfo? {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        var read: KernelTCPInfo?
        // On the channel's event loop the future is completed when returned, and its callback runs
        // at once.
        let info: EventLoopFuture<KernelTCPInfo> = provider.unsafeGetSocketOption(level: .tcp, name: .tcp_info)
        info.assumeIsolated().whenSuccess { read = $0 }
        return read
        #else
        return nil
        #endif
    }
}

#if os(Linux)
/// Linux's `struct tcp_info` up to `tcpi_snd_wnd`, which Glibc's copy of the struct lacks. The
/// kernel writes as many bytes as it has; an older kernel leaves the window zero.
private struct KernelTCPInfo: Sendable {
    private var bytes = InlineArray<232, UInt8>(repeating: 0)

    /// `tcpi_snd_wnd`: the peer's advertised receive window, scaled, in bytes.
    var sendWindow: UInt32 { field(at: 228) }
    /// `tcpi_notsent_bytes`: bytes written that the kernel has not sent yet.
    var unsentBytes: UInt32 { field(at: 144) }

    private func field(at offset: Int) -> UInt32 {
        withUnsafeBytes(of: bytes) { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    }
}
#endif
