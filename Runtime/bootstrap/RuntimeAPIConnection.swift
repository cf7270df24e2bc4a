#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 to the Lambda Runtime API over one kept-alive TCP connection, written on a
/// plain socket: the API is a local, plain-HTTP endpoint with four calls, and speaking
/// it without libcurl keeps libcurl (and its thirty-odd libraries) out of bootstrap's
/// start-up unless its secrets need fetching.
///
/// Responses are read by `Content-Length`, chunked transfer encoding, or to the end of
/// the connection. A kept-alive connection the API has closed is reopened once.
final class RuntimeAPIConnection {
    struct Response {
        let status: Int
        /// Header names lower-cased; repeated headers joined by commas.
        let headers: [String: String]
        let body: [UInt8]
    }

    /// The largest response body taken: Lambda's 6 MB payload, with room to spare.
    static let maximumBodyBytes = 8 * 1024 * 1024

    private let host: String
    private let port: String
    private var socket: Int32 = -1
    private var buffer: [UInt8] = []

    /// A connection to `address` (`host:port`, as `AWS_LAMBDA_RUNTIME_API` gives it);
    /// nothing is connected until the first request.
    init(address: String) throws(ShimError) {
        guard let colon = address.lastIndex(of: ":"), let number = Int(address[address.index(after: colon)...]),
            (1...65_535).contains(number), colon != address.startIndex
        else {
            throw ShimError("AWS_LAMBDA_RUNTIME_API must be host:port, got \"\(address.prefix(80))\"")
        }
        host = String(address[..<colon]).trimmingBrackets()
        port = String(number)
    }

    deinit {
        disconnect()
    }

    /// Sends one request and reads the whole response.
    ///
    /// - Parameter timeoutMilliseconds: how long sending and each read may wait; `nil`
    ///   waits as long as it takes (`next`, which the API holds open until an event).
    func send(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = [],
        timeoutMilliseconds: Int? = nil
    ) throws(ShimError) -> Response {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        let bytes = Array((request + "\r\n").utf8) + body
        let reused = socket >= 0
        do {
            return try exchange(bytes, timeoutMilliseconds: timeoutMilliseconds)
        } catch let error where reused && error.beforeResponse {
            // The API closed the idle connection: once more on a fresh one.
            disconnect()
            do { return try exchange(bytes, timeoutMilliseconds: timeoutMilliseconds) } catch {
                throw ShimError(error.description)
            }
        } catch {
            disconnect()
            throw ShimError(error.description)
        }
    }

    private struct ExchangeError: Error, CustomStringConvertible {
        let description: String
        /// Nothing of a response had arrived: safe to send again.
        let beforeResponse: Bool
    }

    private func exchange(_ request: [UInt8], timeoutMilliseconds: Int?) throws(ExchangeError) -> Response {
        if socket < 0 { try connect() }
        setTimeout(timeoutMilliseconds)
        try write(request)
        let head = try readHead()
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw ExchangeError(
                description: "the Runtime API answered something that is not HTTP/1.x", beforeResponse: false)
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            headers[name] = headers[name].map { $0 + "," + value } ?? value
        }
        let body: [UInt8]
        var keepAlive = headers["connection"]?.lowercased() != "close"
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunked()
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard length >= 0, length <= Self.maximumBodyBytes else {
                throw ExchangeError(
                    description: "the Runtime API sent a body of \(length) bytes", beforeResponse: false)
            }
            body = try readExactly(length)
        } else {
            body = try readToEnd()
            keepAlive = false
        }
        if !keepAlive { disconnect() }
        return Response(status: status, headers: headers, body: body)
    }

    // MARK: Socket

    private func connect() throws(ExchangeError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &found)
        guard status == 0, let first = found else {
            throw ExchangeError(
                description: "cannot resolve the Runtime API's host \(host): \(String(cString: gai_strerror(status)))",
                beforeResponse: true)
        }
        defer { freeaddrinfo(found) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var lastError = ECONNREFUSED
        while let entry = candidate {
            let descriptor = Glibc.socket(
                entry.pointee.ai_family, entry.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                entry.pointee.ai_protocol)
            if descriptor >= 0 {
                if Glibc.connect(descriptor, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 {
                    var on: Int32 = 1
                    setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                    socket = descriptor
                    buffer.removeAll(keepingCapacity: true)
                    return
                }
                lastError = errno
                close(descriptor)
            }
            candidate = entry.pointee.ai_next
        }
        throw ExchangeError(
            description:
                "cannot connect to the Runtime API at \(host):\(port): \(String(cString: strerror(lastError)))",
            beforeResponse: true)
    }

    private func disconnect() {
        if socket >= 0 { close(socket) }
        socket = -1
        buffer.removeAll(keepingCapacity: true)
    }

    private func setTimeout(_ milliseconds: Int?) {
        var time = timeval(tv_sec: (milliseconds ?? 0) / 1_000, tv_usec: ((milliseconds ?? 0) % 1_000) * 1_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    private func write(_ bytes: [UInt8]) throws(ExchangeError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.send(socket, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw ExchangeError(
                    description: "sending to the Runtime API failed: \(String(cString: strerror(errno)))",
                    beforeResponse: true)
            }
            offset += count
        }
    }

    /// Reads more into the buffer; false at the end of the connection.
    private func fill(beforeResponse: Bool) throws(ExchangeError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                let why = errno == EAGAIN ? "timed out" : String(cString: strerror(errno))
                throw ExchangeError(
                    description: "reading from the Runtime API failed: \(why)",
                    beforeResponse: beforeResponse && errno != EAGAIN)
            }
            if count == 0 { return false }
            buffer += chunk[0..<count]
            return true
        }
    }

    private func readHead() throws(ExchangeError) -> String {
        var searchFrom = 0
        while true {
            if buffer.count >= 4 {
                for index in max(0, searchFrom - 3)...(buffer.count - 4)
                where buffer[index] == 0x0D && buffer[index + 1] == 0x0A && buffer[index + 2] == 0x0D
                    && buffer[index + 3] == 0x0A
                {
                    let head = String(decoding: buffer[0..<index], as: UTF8.self)
                    buffer.removeFirst(index + 4)
                    return head
                }
            }
            guard buffer.count <= 65_536 else {
                throw ExchangeError(description: "the Runtime API sent over 64 KB of headers", beforeResponse: false)
            }
            searchFrom = buffer.count
            guard try fill(beforeResponse: buffer.isEmpty) else {
                throw ExchangeError(
                    description: "the Runtime API closed the connection", beforeResponse: buffer.isEmpty)
            }
        }
    }

    private func readExactly(_ count: Int) throws(ExchangeError) -> [UInt8] {
        while buffer.count < count {
            guard try fill(beforeResponse: false) else {
                throw ExchangeError(
                    description: "the Runtime API closed the connection mid-body", beforeResponse: false)
            }
        }
        let body = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return body
    }

    private func readLine() throws(ExchangeError) -> String {
        while true {
            if let end = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[0..<end], as: UTF8.self).trimmingSpaces()
                buffer.removeFirst(end + 1)
                return line
            }
            guard buffer.count <= 4_096, try fill(beforeResponse: false) else {
                throw ExchangeError(description: "the Runtime API's chunked body is malformed", beforeResponse: false)
            }
        }
    }

    private func readChunked() throws(ExchangeError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeText = try readLine().split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0, body.count + size <= Self.maximumBodyBytes else {
                throw ExchangeError(description: "the Runtime API's chunked body is malformed", beforeResponse: false)
            }
            if size == 0 {
                while try !readLine().isEmpty {}  // trailers, then the blank line
                return body
            }
            body += try readExactly(size)
            _ = try readLine()
        }
    }

    private func readToEnd() throws(ExchangeError) -> [UInt8] {
        while try fill(beforeResponse: false) {
            guard buffer.count <= Self.maximumBodyBytes else {
                throw ExchangeError(
                    description: "the Runtime API sent a body over \(Self.maximumBodyBytes) bytes",
                    beforeResponse: false)
            }
        }
        let body = buffer
        buffer.removeAll()
        return body
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }

    /// Without the brackets around an IPv6 literal.
    func trimmingBrackets() -> String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : String(self)
    }
}
