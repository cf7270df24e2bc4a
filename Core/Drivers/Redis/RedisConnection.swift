internal import CHiredis
import TLSDriver

#if canImport(Glibc)
import Glibc
#endif

/// Where a Redis server listens, and how to log in.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// TCP host and port, or a Unix socket path.
    public enum Address: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var address: Address
    /// The ACL user (Redis 6+); `nil` logs in as the default user.
    public var username: String?
    /// The password; `nil` sends no AUTH.
    public var password: String?
    /// The database number to SELECT; 0 is Redis's default.
    public var database: Int
    /// TLS over TCP (`rediss://`), and how the server is checked; `nil` for plain TCP.
    public var tls: TLSSettings?

    public init(
        address: Address, username: String? = nil, password: String? = nil, database: Int = 0, tls: TLSSettings? = nil
    ) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Says where, never with the password.
    public var description: String {
        switch address {
        case .tcp(let host, let port):
            "\(tls == nil ? "redis" : "rediss")://\(username.map { $0 + "@" } ?? "")\(host):\(port)/\(database)"
        case .unix(let path): "unix:\(path) db \(database)"
        }
    }
}

/// A Redis failure, translated once here from hiredis's error codes and replies.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke (including a timeout).
        case connection
        /// The server answered something that is not valid RESP.
        case protocolError
        /// The server answered with an error reply (`-ERR …`).
        case server
        /// The server answered, but not with the reply type the caller needed.
        case unexpectedReply
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "redis: \(message)" }
}

/// One reply from Redis.
public enum RedisReply: Sendable, Equatable {
    case string([UInt8])
    case status(String)
    case integer(Int64)
    case null
    case array([RedisReply])
    /// An error reply; commands return it rather than throw, so pipelines keep going.
    case error(String)
}

/// One connection to Redis over hiredis. The only owner of its `redisContext*` or
/// `redisReader*`, and the only code that touches hiredis pointers.
///
/// Plain connections are hiredis's own (`redisContext`). Over TLS (`rediss://`), which
/// Debian's hiredis 0.14 cannot speak, hiredis keeps the protocol — its command formatter
/// and reply reader — and a ``TLSStream`` carries the bytes.
///
/// Commands block for at most the command timeout. After any connection-level error
/// the connection is unusable; ``isBroken`` then says so and the owner opens a new
/// connection (nothing here reconnects behind the caller's back).
public final class RedisConnection {
    private enum Transport {
        /// hiredis's own socket and buffers.
        case plain(UnsafeMutablePointer<redisContext>)
        /// TLS, with hiredis's reader parsing what arrives.
        case tls(TLSStream, UnsafeMutablePointer<redisReader>)
    }

    private let transport: Transport
    /// True once a connection-level error has made this connection unusable.
    public private(set) var isBroken = false

    /// Connects, logs in (AUTH) and selects the database.
    ///
    /// - Parameters:
    ///   - endpoint: where and how.
    ///   - connectTimeoutMilliseconds: how long connecting may take.
    ///   - commandTimeoutMilliseconds: how long any one command may take.
    /// - Throws: ``RedisError`` when the server cannot be reached or refuses the login.
    public init(endpoint: RedisEndpoint, connectTimeoutMilliseconds: Int, commandTimeoutMilliseconds: Int)
        throws(RedisError)
    {
        if let tls = endpoint.tls, case .tcp(let host, let port) = endpoint.address {
            // The handshake is part of connecting, and bounded with it.
            let socket = try Self.connectTCP(
                host: host, port: port, timeoutMilliseconds: connectTimeoutMilliseconds, endpoint: endpoint)
            let stream: TLSStream
            do {
                stream = try TLSStream(
                    socket: socket, host: host, settings: tls, timeoutMilliseconds: connectTimeoutMilliseconds)
            } catch {
                // A Redis port without TLS reads the greeting as the start of a command and
                // never answers it; asked in plain RESP on a second connection, it says so.
                if error.kind == .timeout,
                    Self.answersPlainRESP(
                        host: host, port: port, timeoutMilliseconds: connectTimeoutMilliseconds, endpoint: endpoint)
                {
                    throw RedisError(
                        .connection,
                        "cannot connect to \(endpoint): TLS: the server answers plain Redis on this port, without TLS (use redis://, or the server's TLS port)"
                    )
                }
                throw RedisError(.connection, "cannot connect to \(endpoint): \(error)")
            }
            stream.setTimeout(milliseconds: commandTimeoutMilliseconds)
            guard let reader = redisReaderCreate() else {
                throw RedisError(.connection, "cannot allocate a reply reader for \(endpoint)")
            }
            transport = .tls(stream, reader)
        } else {
            let connectTimeout = Self.timeval(milliseconds: connectTimeoutMilliseconds)
            let raw: UnsafeMutablePointer<redisContext>?
            switch endpoint.address {
            case .tcp(let host, let port): raw = redisConnectWithTimeout(host, Int32(port), connectTimeout)
            case .unix(let path): raw = redisConnectUnixWithTimeout(path, connectTimeout)
            }
            guard let raw else { throw RedisError(.connection, "cannot allocate a connection to \(endpoint)") }
            guard raw.pointee.err == 0 else {
                let message = Self.errorText(raw)
                redisFree(raw)
                throw RedisError(.connection, "cannot connect to \(endpoint): \(message)")
            }
            transport = .plain(raw)
            guard redisSetTimeout(raw, Self.timeval(milliseconds: commandTimeoutMilliseconds)) == REDIS_OK else {
                throw RedisError(.connection, "cannot set the command timeout on \(endpoint)")
            }
        }
        if let password = endpoint.password {
            let login = endpoint.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let message) = try command(login) {
                throw RedisError(.server, "\(endpoint) refused the login: \(message)")
            }
        }
        if endpoint.database != 0, case .error(let message) = try command(["SELECT", String(endpoint.database)]) {
            throw RedisError(.server, "\(endpoint) refused SELECT \(endpoint.database): \(message)")
        }
    }

    deinit {
        switch transport {
        case .plain(let context): redisFree(context)
        case .tls(_, let reader): redisReaderFree(reader)
        }
    }

    /// Sends one command and waits for its reply. An error *reply* is returned as
    /// ``RedisReply/error(_:)``; a broken connection or a timeout throws.
    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        guard !isBroken else { throw RedisError(.connection, "connection is broken") }
        let utf8 = arguments.map { Array($0.utf8) }
        let lengths = utf8.map(\.count)
        switch transport {
        case .plain(let context):
            // hiredis copies the arguments while formatting the command, so the pointers
            // need to live only for this call.
            let raw: UnsafeMutableRawPointer? = withArgumentPointers(utf8) { pointers in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    pointers.withUnsafeMutableBufferPointer { pointerBuffer in
                        redisCommandArgv(
                            context, Int32(utf8.count), pointerBuffer.baseAddress, lengthBuffer.baseAddress)
                    }
                }
            }
            guard let raw else {
                isBroken = true
                let kind: RedisError.Kind = context.pointee.err == REDIS_ERR_PROTOCOL ? .protocolError : .connection
                throw RedisError(kind, Self.errorText(context))
            }
            defer { freeReplyObject(raw) }
            return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
        case .tls(let stream, let reader):
            var formatted: UnsafeMutablePointer<CChar>?
            let length = withArgumentPointers(utf8) { pointers in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    pointers.withUnsafeMutableBufferPointer { pointerBuffer in
                        redisFormatCommandArgv(
                            &formatted, Int32(utf8.count), pointerBuffer.baseAddress, lengthBuffer.baseAddress)
                    }
                }
            }
            guard let formatted, length > 0 else { throw RedisError(.protocolError, "cannot format the command") }
            defer { redisFreeCommand(formatted) }
            do { try stream.write(UnsafeRawBufferPointer(start: formatted, count: Int(length))) } catch {
                throw broken(error)
            }
            while true {
                if let reply = try nextParsedReply(reader) { return reply }
                try readMore(stream, into: reader)
            }
        }
    }

    /// Replies that have arrived without being asked for (Pub/Sub messages on a
    /// subscribed connection), read without waiting: whatever the socket holds now is
    /// read and parsed, and a message still arriving stays for the next call.
    ///
    /// - Throws: ``RedisError`` when the server closed the connection or it failed; the
    ///   connection is then broken.
    public func pendingReplies() throws(RedisError) -> [RedisReply] {
        guard !isBroken else { throw RedisError(.connection, "connection is broken") }
        var replies: [RedisReply] = []
        while true {
            switch transport {
            case .plain(let context):
                try takeParsedReplies(from: context, into: &replies)
                guard hasInput() else { return replies }
                guard redisBufferRead(context) == REDIS_OK else {
                    isBroken = true
                    throw RedisError(.connection, Self.errorText(context))
                }
            case .tls(let stream, let reader):
                while let reply = try nextParsedReply(reader) { replies.append(reply) }
                guard hasInput() else { return replies }
                try readMore(stream, into: reader)
            }
        }
    }

    /// True when the server has sent something this side has not read, or closed the
    /// connection. On a connection that only answers commands, either means it is no
    /// longer usable as it was (Redis sends nothing unasked under RESP2).
    public func hasUnreadInput() -> Bool {
        !isBroken && hasInput()
    }

    /// Whether reading now would not wait: data (in the socket, or already decrypted),
    /// end of file or an error.
    private func hasInput() -> Bool {
        let socket: Int32
        switch transport {
        case .plain(let context): socket = context.pointee.fd
        case .tls(let stream, _):
            if stream.hasBufferedInput { return true }
            socket = stream.descriptor
        }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, 0)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    /// Moves every complete reply in hiredis's read buffer into `replies`.
    private func takeParsedReplies(from context: UnsafeMutablePointer<redisContext>, into replies: inout [RedisReply])
        throws(RedisError)
    {
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReplyFromReader(context, &raw) == REDIS_OK else {
                isBroken = true
                throw RedisError(.protocolError, Self.errorText(context))
            }
            guard let raw else { return }
            replies.append(Self.convert(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
    }

    /// The next complete reply the reader holds, or `nil` when it needs more bytes.
    private func nextParsedReply(_ reader: UnsafeMutablePointer<redisReader>) throws(RedisError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
            isBroken = true
            throw RedisError(
                .protocolError,
                withUnsafeBytes(of: reader.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Reads what has arrived over TLS (waiting at most the command timeout) into the reader.
    private func readMore(_ stream: TLSStream, into reader: UnsafeMutablePointer<redisReader>) throws(RedisError) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let outcome = buffer.withUnsafeMutableBytes { bytes in
            Result { () throws(TLSError) in try stream.read(into: bytes) }
        }
        let count: Int
        switch outcome {
        case .success(let read): count = read
        case .failure(let error): throw broken(error)
        }
        let fed = buffer.withUnsafeBytes { bytes in
            redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), count)
        }
        guard fed == REDIS_OK else {
            isBroken = true
            throw RedisError(.protocolError, "the reply reader refused what arrived")
        }
    }

    /// Marks the connection broken after a TLS failure, and says why.
    private func broken(_ error: TLSError) -> RedisError {
        isBroken = true
        return RedisError(.connection, error.kind == .timeout ? "timed out: \(error)" : "\(error)")
    }

    private func withArgumentPointers<T>(_ arguments: [[UInt8]], _ body: (inout [UnsafePointer<CChar>?]) -> T) -> T {
        var pointers: [UnsafePointer<CChar>?] = []
        pointers.reserveCapacity(arguments.count)
        func nest(_ index: Int) -> T {
            if index == arguments.count { return body(&pointers) }
            return arguments[index].withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    // An empty argument may have no base address; hiredis reads 0 bytes of it.
                    pointers.append(chars.baseAddress ?? UnsafePointer(bitPattern: 1))
                    return nest(index + 1)
                }
            }
        }
        return nest(0)
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case chiredis_reply_string():
            return .string(bytes(value.str, value.len))
        case chiredis_reply_status():
            return .status(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case chiredis_reply_error():
            return .error(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case chiredis_reply_integer():
            return .integer(value.integer)
        case chiredis_reply_array():
            var items: [RedisReply] = []
            for index in 0..<Int(value.elements) {
                if let element = value.element[index] { items.append(convert(element)) }
            }
            return .array(items)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "connection error \(context.pointee.err)" : text
        }
    }

    /// Whether the server at `host`:`port` answers a plain `PING` in RESP (`+PONG`, or an
    /// error such as `-NOAUTH`): a Redis port without TLS.
    private static func answersPlainRESP(host: String, port: Int, timeoutMilliseconds: Int, endpoint: RedisEndpoint)
        -> Bool
    {
        guard
            let socket = try? connectTCP(
                host: host, port: port, timeoutMilliseconds: timeoutMilliseconds, endpoint: endpoint)
        else { return false }
        defer { close(socket) }
        var time = Glibc.timeval(tv_sec: timeoutMilliseconds / 1_000, tv_usec: (timeoutMilliseconds % 1_000) * 1_000)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<Glibc.timeval>.size))
        var ping = Array("PING\r\n".utf8)
        guard send(socket, &ping, ping.count, Int32(MSG_NOSIGNAL)) == ping.count else { return false }
        var answer = [UInt8](repeating: 0, count: 16)
        let count = recv(socket, &answer, answer.count, 0)
        return count > 0 && (answer[0] == UInt8(ascii: "+") || answer[0] == UInt8(ascii: "-"))
    }

    /// A TCP connection to `host`:`port` within `timeoutMilliseconds`, left blocking.
    private static func connectTCP(host: String, port: Int, timeoutMilliseconds: Int, endpoint: RedisEndpoint)
        throws(RedisError) -> Int32
    {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            throw RedisError(.connection, "cannot connect to \(endpoint): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var reason = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next {
            next = address.pointee.ai_next
            let socket = Glibc.socket(
                address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard socket >= 0 else {
                reason = String(cString: strerror(errno))
                continue
            }
            let flags = fcntl(socket, F_GETFL)
            _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
            var connected = Glibc.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0
            if !connected && errno == EINPROGRESS {
                var descriptor = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                var ready: Int32
                repeat { ready = poll(&descriptor, 1, Int32(timeoutMilliseconds)) } while ready < 0 && errno == EINTR
                var failure: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                if ready == 0 {
                    reason = "no connection within \(timeoutMilliseconds) ms"
                } else if ready > 0, getsockopt(socket, SOL_SOCKET, SO_ERROR, &failure, &length) == 0 {
                    if failure == 0 { connected = true } else { reason = String(cString: strerror(failure)) }
                } else {
                    reason = String(cString: strerror(errno))
                }
            } else if !connected {
                reason = String(cString: strerror(errno))
            }
            guard connected else {
                close(socket)
                continue
            }
            _ = fcntl(socket, F_SETFL, flags)
            var one: Int32 = 1
            _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return socket
        }
        throw RedisError(.connection, "cannot connect to \(endpoint): \(reason)")
    }

    private static func timeval(milliseconds: Int) -> Glibc.timeval {
        Glibc.timeval(tv_sec: milliseconds / 1_000, tv_usec: (milliseconds % 1_000) * 1_000)
    }
}

@available(*, unavailable)
extension RedisConnection: Sendable {}
