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
/// Read with `TCP_INFO` (`tcpi_snd_wnd` and `tcpi_notsent_bytes`) when live writing starts, after
/// the first write, and once every ``checkInterval`` bytes after: a subscriber that keeps up costs a
/// `getsockopt` every 16 KiB (every 4 KiB cost 100 readers of 2 KiB updates about a quarter more
/// CPU per delivery). Elsewhere, or on a kernel that does not report the window, every client
/// counts as reading.
///
/// A client on a slow link whose kernel holds unsent bytes at a reading counts as behind too, and
/// waits until the next check (``LaggardTurns/recheckInterval``) finds the bytes sent.
struct PeerReadingProbe {
    /// Bytes written between two readings of the window.
    static let checkInterval = 16 << 10

    private var widestWindow: UInt32 = 0
    /// Starts due, so that the first write is followed by a reading: thousands of clients that
    /// never read are told apart after one write each, not after a few KiB each.
    private var writtenSinceCheck = Self.checkInterval
    /// Whether, at the last reading, the kernel held bytes it could not send, or the window was at
    /// most half the widest seen: the client held that much unread. One that reads as data arrives
    /// stays near the widest (within 10 % here, with 2 KiB updates at 200 a second); the kernel
    /// sends a window update once the client has read enough to double a window below half, so a
    /// client that catches up is seen to.
    private(set) var clientIsBehind = false

    /// After `bytes` were written to `channel`: reads its window if due.
    mutating func wrote(_ bytes: Int, to channel: any Channel) {
        writtenSinceCheck += bytes
        guard writtenSinceCheck >= Self.checkInterval else { return }
        writtenSinceCheck = 0
        check(channel)
    }

    /// Reads `channel`'s window now: the first reading, before anything is written, is the
    /// baseline a client that never reads falls below.
    mutating func check(_ channel: any Channel) {
        guard let info = Self.readInfo(of: channel) else { return }
        // A kernel that does not report the window leaves it zero: zero counts only after a wider one.
        guard info.sendWindow > 0 || widestWindow > 0 else { return }
        widestWindow = max(widestWindow, info.sendWindow)
        clientIsBehind = info.unsentBytes > 0 || info.sendWindow <= widestWindow / 2
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
