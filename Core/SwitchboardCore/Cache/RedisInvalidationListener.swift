import RedisDriver

/// The second Redis connection of a process with a local tenant cache: subscribed to
/// `__redis__:invalidate`, where Redis announces (under RESP2, by redirection) every
/// change to a key the process's tracking covers.
///
/// It never waits: ``drain()`` reads what the socket holds now. A process frozen for
/// minutes (Lambda freezes idle sandboxes) finds what was announced meanwhile waiting
/// in the socket, and applies it before its next lookup.
final class RedisInvalidationListener {
    /// What a drain found.
    enum Invalidations: Equatable {
        /// These keys changed.
        case keys([String])
        /// The database was flushed: everything changed.
        case everything
    }

    static let channel = "__redis__:invalidate"

    private let connection: RedisConnection
    /// The connection's client id, for `CLIENT TRACKING … REDIRECT <id>`.
    let clientID: Int64

    /// Connects, learns the client id (`CLIENT ID`) and subscribes.
    ///
    /// - Throws: ``RedisError``; kind `.server` when Redis refuses a command (a server
    ///   before 6.0, or an ACL without Pub/Sub).
    init(settings: CacheSettings) throws(RedisError) {
        connection = try RedisConnection(
            endpoint: settings.endpoint,
            connectTimeoutMilliseconds: settings.connectTimeoutMilliseconds,
            commandTimeoutMilliseconds: settings.commandTimeoutMilliseconds)
        switch try connection.command(["CLIENT", "ID"]) {
        case .integer(let id): clientID = id
        case .error(let message): throw RedisError(.server, message)
        case let other: throw RedisError(.unexpectedReply, "CLIENT ID answered \(other)")
        }
        switch try connection.command(["SUBSCRIBE", Self.channel]) {
        case .array(let parts) where parts.first == .string(Array("subscribe".utf8)): break
        case .error(let message): throw RedisError(.server, message)
        case let other: throw RedisError(.unexpectedReply, "SUBSCRIBE answered \(other)")
        }
    }

    /// What has been announced since the last drain, read without waiting.
    ///
    /// - Throws: ``RedisError`` when the connection was closed or broke, or carried
    ///   something that is not an invalidation: announcements may then have been lost.
    func drain() throws(RedisError) -> [Invalidations] {
        var found: [Invalidations] = []
        for reply in try connection.pendingReplies() {
            guard case .array(let parts) = reply, parts.count == 3, parts[0] == .string(Array("message".utf8)) else {
                throw RedisError(.unexpectedReply, "the invalidation connection received \(reply)")
            }
            switch parts[2] {
            case .null:
                found.append(.everything)
            case .array(let keys):
                found.append(
                    .keys(
                        keys.compactMap { key in
                            if case .string(let bytes) = key { String(decoding: bytes, as: UTF8.self) } else { nil }
                        }))
            case .string(let bytes):
                found.append(.keys([String(decoding: bytes, as: UTF8.self)]))
            default:
                throw RedisError(.unexpectedReply, "an invalidation carried \(parts[2])")
            }
        }
        return found
    }
}

@available(*, unavailable)
extension RedisInvalidationListener: Sendable {}
