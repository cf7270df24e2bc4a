internal import CMongoC
import Logging
import Synchronization

/// A MongoDB failure, translated once here from libmongoc's `bson_error_t`.
public struct MongoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: Sendable, Equatable {
        /// The connection string is not one libmongoc accepts.
        case invalidURI
        /// No server could be selected in time (down, unreachable, wrong host).
        case unreachable
        /// The connection broke or a read timed out.
        case network
        /// The server refused the credentials.
        case authentication
        /// A unique index refused the write (server code 11000).
        case duplicateKey
        /// The server answered with an error; `code` says which.
        case server
        /// The reply or the command could not be converted.
        case invalidDocument
    }

    public let kind: Kind
    /// The server's or libmongoc's code.
    public let code: Int
    public let message: String

    public init(_ kind: Kind, code: Int = 0, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { "mongodb: \(message)" }

    init(_ error: cmongoc_error_t) {
        let message = withUnsafeBytes(of: error.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let code = Int(error.code)
        switch Int(error.domain) {
        case CMONGOC_ERROR_SERVER_SELECTION:
            self.init(.unreachable, code: code, message)
        case CMONGOC_ERROR_STREAM:
            self.init(.network, code: code, message)
        case CMONGOC_ERROR_CLIENT where Int(error.code) == CMONGOC_ERROR_CLIENT_AUTHENTICATE:
            self.init(.authentication, code: code, message)
        case CMONGOC_ERROR_SERVER, CMONGOC_ERROR_WRITE_CONCERN:
            switch code {
            case 11000: self.init(.duplicateKey, code: code, message)
            case 18: self.init(.authentication, code: code, message)
            default: self.init(.server, code: code, message)
            }
        default:
            self.init(.server, code: code, message)
        }
    }
}

/// libmongoc and libbson, loaded the first time a pool is made (CMongoC says why), with
/// their warnings and errors sent to the first pool's logger.
private enum Mongoc {
    static let loaded: Result<Void, MongoError> = {
        var reason = [CChar](repeating: 0, count: 512)
        guard cmongoc_load(&reason, reason.count) == 0 else {
            return .failure(
                MongoError(
                    .unreachable,
                    String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        cmongoc_log_set_handler(forwardToLogger, nil)
        return .success(())
    }()

    /// Where libmongoc's lines go: the logger of the process's first pool.
    static let logger = Mutex<Logger?>(nil)
}

/// libmongoc's warnings and worse, as `mongodb.driver` lines of the process's log; its
/// chatter (the monitor's DEBUG lines during an outage, for instance) is dropped.
private let forwardToLogger: cmongoc_log_func_t = { level, domain, message, _ in
    guard level <= UInt32(CMONGOC_LOG_LEVEL_WARNING), let logger = Mongoc.logger.withLock({ $0 }) else { return }
    let metadata: Logger.Metadata = [
        "domain": "\(domain.map { String(cString: $0) } ?? "")",
        "detail": "\(message.map { String(cString: $0) } ?? "")",
    ]
    logger.log(
        level: level <= UInt32(CMONGOC_LOG_LEVEL_CRITICAL) ? .error : .warning, "mongodb.driver", metadata: metadata)
}

/// A pool of connections to one MongoDB deployment: the only owner of libmongoc's
/// `mongoc_uri_t`, `mongoc_client_pool_t` and `mongoc_client_t`, and the only code
/// touching libmongoc and libbson.
///
/// Commands go in and replies come out as MongoDB Extended JSON text (relaxed), so no
/// BSON pointer leaves this file. A function process makes one pool, at start-up, and
/// every invocation borrows a client from it: connections are opened once per process.
///
/// Reads a caller is waiting on (a webhook's lookup) go through ``read(_:database:)``
/// instead: one single-threaded client beside the pool, whose socket timeout is
/// ``readTimeoutMilliseconds`` (2 s), so a link that drops packets without a reset costs
/// a call 2 s, not the 5 s writes may take. libmongoc 1.x has no per-operation socket
/// timeout; a single-threaded client has no monitor thread and monitors over its own
/// connection, so it costs one connection per server, opened on the first read.
public final class MongoClientPool {
    private let uri: OpaquePointer
    private let pool: OpaquePointer
    /// The single-threaded client ``read(_:database:)`` uses, made on the first read, and
    /// the lock reads take turns on it with.
    private var reader: OpaquePointer?
    private let readerLock = Mutex<Void>(())
    /// The database the URI names, or `switchboard`.
    public let databaseName: String
    /// The socket timeout of ``read(_:database:)``: 2 s, or the URI's `socketTimeoutMS`
    /// when that is shorter.
    public let readTimeoutMilliseconds: Int32

    /// The longest a read waits on its socket (unless the URI asks for less).
    public static let defaultReadTimeoutMilliseconds: Int32 = 2_000

    /// Serverless-friendly defaults, applied when the URI does not set them.
    public static let defaultOptions: [(String, Int32)] = [
        ("serverSelectionTimeoutMS", 2_000),
        ("connectTimeoutMS", 2_000),
        ("socketTimeoutMS", 5_000),
        ("maxPoolSize", 3),
    ]

    /// Parses `uriText` and prepares a pool; no connection is made until the first command.
    ///
    /// - Parameters:
    ///   - uriText: a `mongodb://` or `mongodb+srv://` connection string.
    ///   - appName: sent to the server in the handshake, unless the URI sets `appname`.
    ///   - logger: where libmongoc's warnings and errors go (the process's first pool's
    ///     logger takes them all).
    /// - Throws: ``MongoError`` with kind `invalidURI`; its message never repeats the URI.
    public init(uri uriText: String, appName: String, logger: Logger) throws(MongoError) {
        Mongoc.logger.withLock { if $0 == nil { $0 = logger } }
        try Mongoc.loaded.get()
        var error = cmongoc_error_t()
        guard let uri = cmongoc_uri_new_with_error(uriText, &error) else {
            let reason = Self.scrub(MongoError(error).message, secretsOf: uriText)
            throw MongoError(.invalidURI, "the connection string is not valid (\(reason.prefix(120)))")
        }
        for (name, value) in Self.defaultOptions where !cmongoc_uri_has_option(uri, name) {
            _ = cmongoc_uri_set_option_as_int32(uri, name, value)
        }
        if cmongoc_uri_get_appname(uri) == nil {
            _ = cmongoc_uri_set_appname(uri, appName)
        }
        readTimeoutMilliseconds = min(
            Self.defaultReadTimeoutMilliseconds,
            cmongoc_uri_get_option_as_int32(uri, "socketTimeoutMS", Self.defaultReadTimeoutMilliseconds))
        databaseName = cmongoc_uri_get_database(uri).map { String(cString: $0) } ?? "switchboard"
        guard let pool = cmongoc_client_pool_new(uri) else {
            cmongoc_uri_destroy(uri)
            throw MongoError(.invalidURI, "libmongoc refused the connection string")
        }
        _ = cmongoc_client_pool_set_error_api(pool, 2)
        self.uri = uri
        self.pool = pool
    }

    /// `message` with every password and option value of `uri` replaced by `***`:
    /// libmongoc quotes the part of a connection string it refuses.
    static func scrub(_ message: String, secretsOf uri: String) -> String {
        var secrets: [Substring] = []
        if let scheme = uri.firstRange(of: "://") {
            let rest = uri[scheme.upperBound...]
            let authority = rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex)]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                secrets.append(authority[authority.index(after: colon)..<at])
            }
            if let question = rest.firstIndex(of: "?") {
                for option in rest[rest.index(after: question)...].split(separator: "&") {
                    if let equals = option.firstIndex(of: "=") {
                        secrets.append(option[option.index(after: equals)...])
                    }
                }
            }
        }
        var scrubbed = message
        for secret in secrets.sorted(by: { $0.count > $1.count }) where secret.count >= 3 {
            scrubbed = scrubbed.replacing(secret, with: "***")
        }
        return scrubbed
    }

    deinit {
        if let reader { cmongoc_client_destroy(reader) }
        cmongoc_client_pool_destroy(pool)
        cmongoc_uri_destroy(uri)
    }

    /// Runs one database command, given as Extended JSON, on a client from the pool, and
    /// returns the server's reply as relaxed Extended JSON.
    ///
    /// - Throws: ``MongoError``: the server unreachable, the network, a refused login, or
    ///   the server's error for a command it rejected (`ok: 0`).
    public func command(_ json: String, database: String? = nil) throws(MongoError) -> String {
        let command = try Self.document(json)
        defer { cmongoc_bson_destroy(command) }
        guard let client = cmongoc_client_pool_pop(pool) else {
            throw MongoError(.unreachable, "no client available from the pool")
        }
        defer { cmongoc_client_pool_push(pool, client) }
        return try run(command, on: client, database: database ?? databaseName)
    }

    /// Runs one reading command (a `find`, its `getMore`) like ``command(_:database:)``,
    /// but on the reader: a network read gives up after ``readTimeoutMilliseconds``.
    /// Reads from several threads take turns on it.
    ///
    /// - Throws: ``MongoError``, as ``command(_:database:)``.
    public func read(_ json: String, database: String? = nil) throws(MongoError) -> String {
        let command = try Self.document(json)
        defer { cmongoc_bson_destroy(command) }
        let database = database ?? databaseName
        return try readerLock.withLock { _ throws(MongoError) -> String in
            if let reader { return try run(command, on: reader, database: database) }
            guard let copy = cmongoc_uri_copy(uri) else {
                throw MongoError(.invalidURI, "libmongoc could not copy the connection string")
            }
            defer { cmongoc_uri_destroy(copy) }
            _ = cmongoc_uri_set_option_as_int32(copy, "socketTimeoutMS", readTimeoutMilliseconds)
            guard let client = cmongoc_client_new_from_uri(copy) else {
                throw MongoError(.invalidURI, "libmongoc refused the connection string for reads")
            }
            _ = cmongoc_client_set_error_api(client, 2)
            reader = client
            return try run(command, on: client, database: database)
        }
    }

    private static func document(_ json: String) throws(MongoError) -> OpaquePointer {
        var error = cmongoc_error_t()
        let bytes = Array(json.utf8)
        guard
            let command = bytes.withUnsafeBufferPointer({ buffer in
                cmongoc_bson_new_from_json(buffer.baseAddress, buffer.count, &error)
            })
        else {
            throw MongoError(.invalidDocument, "command is not valid Extended JSON: \(MongoError(error).message)")
        }
        return command
    }

    private func run(_ command: OpaquePointer, on client: OpaquePointer, database: String) throws(MongoError) -> String
    {
        var error = cmongoc_error_t()
        // The reply is a caller-owned bson_t that libmongoc initialises: aligned storage
        // here, bson_destroy for its contents, then the storage itself.
        let storage = UnsafeMutableRawPointer.allocate(
            byteCount: Int(CMONGOC_BSON_T_SIZE), alignment: Int(CMONGOC_BSON_T_ALIGNMENT))
        defer { storage.deallocate() }
        let reply = OpaquePointer(storage)
        let succeeded = cmongoc_client_command_simple(client, database, command, nil, reply, &error)
        defer { cmongoc_bson_destroy(reply) }
        guard succeeded else { throw MongoError(error) }
        var length = 0
        guard let text = cmongoc_bson_as_relaxed_extended_json(reply, &length) else {
            throw MongoError(.invalidDocument, "reply cannot be written as JSON")
        }
        defer { cmongoc_bson_free(text) }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
    }
}

@available(*, unavailable)
extension MongoClientPool: Sendable {}
