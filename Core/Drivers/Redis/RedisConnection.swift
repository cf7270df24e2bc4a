internal import CHiredis

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

    public init(address: Address, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
    }

    /// Says where, never with the password.
    public var description: String {
        switch address {
        case .tcp(let host, let port): "redis://\(username.map { $0 + "@" } ?? "")\(host):\(port)/\(database)"
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

/// One connection to Redis over hiredis. The only owner of its `redisContext*`, and the
/// only code that touches hiredis pointers.
///
/// Commands block for at most the command timeout. After any connection-level error
/// hiredis's context is unusable; ``isBroken`` then says so and the owner opens a new
/// connection (nothing here reconnects behind the caller's back).
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    /// True once a connection-level error has made this connection unusable.
    public private(set) var isBroken = false

    /// Connects, logs in (AUTH) and selects the database.
    ///
    /// - Parameters:
    ///   - endpoint: where and how.
    ///   - connectTimeoutMilliseconds: how long connecting may take.
    ///   - commandTimeoutMilliseconds: how long any one command may take.
    /// - Throws: ``RedisError`` when the server cannot be reached or refuses the login.
    public init(endpoint: RedisEndpoint, connectTimeoutMilliseconds: Int, commandTimeoutMilliseconds: Int) throws(RedisError) {
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
        context = raw
        guard redisSetTimeout(raw, Self.timeval(milliseconds: commandTimeoutMilliseconds)) == REDIS_OK else {
            throw RedisError(.connection, "cannot set the command timeout on \(endpoint)")
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
        redisFree(context)
    }

    /// Sends one command and waits for its reply. An error *reply* is returned as
    /// ``RedisReply/error(_:)``; a broken connection or a timeout throws.
    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        guard !isBroken else { throw RedisError(.connection, "connection is broken") }
        let utf8 = arguments.map { Array($0.utf8) }
        let lengths = utf8.map(\.count)
        // hiredis copies the arguments while formatting the command, so the pointers need
        // to live only for this call.
        let raw: UnsafeMutableRawPointer? = withArgumentPointers(utf8) { pointers in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                pointers.withUnsafeMutableBufferPointer { pointerBuffer in
                    redisCommandArgv(context, Int32(utf8.count), pointerBuffer.baseAddress, lengthBuffer.baseAddress)
                }
            }
        }
        guard let raw else {
            isBroken = true
            let kind: RedisError.Kind = context.pointee.err == REDIS_ERR_PROTOCOL ? .protocolError : .connection
            throw RedisError(kind, Self.errorText(context))
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return Self.convert(reply)
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
            try takeParsedReplies(into: &replies)
            guard hasInput() else { return replies }
            guard redisBufferRead(context) == REDIS_OK else {
                isBroken = true
                throw RedisError(.connection, Self.errorText(context))
            }
        }
    }

    /// True when the server has sent something this side has not read, or closed the
    /// connection. On a connection that only answers commands, either means it is no
    /// longer usable as it was (Redis sends nothing unasked under RESP2).
    public func hasUnreadInput() -> Bool {
        !isBroken && hasInput()
    }

    /// Whether reading the socket now would not wait: data, end of file or an error.
    private func hasInput() -> Bool {
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, 0)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    /// Moves every complete reply in hiredis's read buffer into `replies`.
    private func takeParsedReplies(into replies: inout [RedisReply]) throws(RedisError) {
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

    private static func timeval(milliseconds: Int) -> Glibc.timeval {
        Glibc.timeval(tv_sec: milliseconds / 1_000, tv_usec: (milliseconds % 1_000) * 1_000)
    }
}

@available(*, unavailable)
extension RedisConnection: Sendable {}
