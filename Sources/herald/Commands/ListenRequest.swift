import EventSourceClient
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// Builds the request of `herald listen` from its curl-style options.
enum ListenRequest {
    static func make(url: String, method: String, headers: [String], data: String?) throws -> EventSourceRequest {
        var request = EventSourceRequest(url: url, method: HTTPMethod(rawValue: method.uppercased()))
        for header in headers {
            guard let (name, value) = parseHeader(header) else { continue }
            request.headers.add(name: name, value: value)
        }
        if let data {
            request.body = try body(from: data)
            // As curl does: a body without a stated type is form data, and -d alone means POST.
            if !request.headers.contains(name: "Content-Type") {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            }
            if method.uppercased() == "GET" { request.method = .POST }
        }
        return request
    }

    /// `Name: value` split at the first colon, or `nil` when there is no name.
    static func parseHeader(_ header: String) -> (String, String)? {
        guard let colon = header.firstIndex(of: ":") else { return nil }
        let name = header[..<colon].trimming(" \t")
        guard !name.isEmpty else { return nil }
        let value = header[header.index(after: colon)...].trimming(" \t")
        return (name, value)
    }

    /// The body given with `-d`: the text itself, or the bytes of a file named after `@`.
    static func body(from data: String) throws -> ByteBuffer {
        guard data.hasPrefix("@") else { return ByteBuffer(string: data) }
        let path = String(data.dropFirst())
        guard let file = fopen(path, "rb") else {
            throw ListenError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var buffer = ByteBuffer()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { buffer.writeBytes(chunk[0..<count]) }
            if count < chunk.count { break }
        }
        if ferror(file) != 0 { throw ListenError("cannot read \(path)") }
        return buffer
    }
}

/// A `herald listen` option that cannot be used as given.
struct ListenError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
