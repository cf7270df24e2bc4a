internal import CMongoC

#if canImport(Glibc)
import Glibc
#endif

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

    init(_ error: bson_error_t) {
        let message = withUnsafeBytes(of: error.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let code = Int(error.code)
        switch error.domain {
        case cmongoc_domain_server_selection():
            self.init(.unreachable, code: code, message)
        case cmongoc_domain_stream():
            self.init(.network, code: code, message)
        case cmongoc_domain_client() where error.code == cmongoc_code_client_authenticate():
            self.init(.authentication, code: code, message)
        case cmongoc_domain_server(), cmongoc_domain_write_concern():
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

/// libmongoc's default log handler writes to standard output, which belongs to the event
/// protocol; this one writes warnings and worse as JSON lines on standard error and drops
/// the chatter (its monitor's DEBUG lines during an outage, for instance).
private let mongocInitialized: Void = {
    mongoc_log_set_handler({ level, domain, message, _ in
        guard level.rawValue <= MONGOC_LOG_LEVEL_WARNING.rawValue else { return }
        let name = level.rawValue <= MONGOC_LOG_LEVEL_CRITICAL.rawValue ? "error" : "warning"
        func quoted(_ pointer: UnsafePointer<CChar>?) -> String {
            let text = pointer.map { String(cString: $0) } ?? ""
            var output = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                default: output += scalar.value < 0x20 ? " " : String(scalar)
                }
            }
            return output + "\""
        }
        let line = "{\"level\":\"\(name)\",\"message\":\"mongodb.driver\",\"domain\":\(quoted(domain)),\"detail\":\(quoted(message))}\n"
        _ = Array(line.utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }, nil)
    mongoc_init()
}()

/// A pool of connections to one MongoDB deployment: the only owner of libmongoc's
/// `mongoc_uri_t` and `mongoc_client_pool_t`, and the only code touching libmongoc and
/// libbson.
///
/// Commands go in and replies come out as MongoDB Extended JSON text (relaxed), so no
/// BSON pointer leaves this file. A function process makes one pool, at start-up, and
/// every invocation borrows a client from it: connections are opened once per process.
public final class MongoClientPool {
    private let uri: OpaquePointer
    private let pool: OpaquePointer
    /// The database the URI names, or `switchboard`.
    public let databaseName: String

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
    /// - Throws: ``MongoError`` with kind `invalidURI`; its message never repeats the URI.
    public init(uri uriText: String, appName: String) throws(MongoError) {
        _ = mongocInitialized
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(uriText, &error) else {
            let reason = MongoError(error).message
            throw MongoError(.invalidURI, "the connection string is not valid (\(reason.prefix(120)))")
        }
        for (name, value) in Self.defaultOptions where !mongoc_uri_has_option(uri, name) {
            mongoc_uri_set_option_as_int32(uri, name, value)
        }
        if mongoc_uri_get_appname(uri) == nil {
            mongoc_uri_set_appname(uri, appName)
        }
        databaseName = mongoc_uri_get_database(uri).map { String(cString: $0) } ?? "switchboard"
        guard let pool = mongoc_client_pool_new(uri) else {
            mongoc_uri_destroy(uri)
            throw MongoError(.invalidURI, "libmongoc refused the connection string")
        }
        mongoc_client_pool_set_error_api(pool, 2)
        self.uri = uri
        self.pool = pool
    }

    deinit {
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }

    /// Runs one database command, given as Extended JSON, and returns the server's reply
    /// as relaxed Extended JSON.
    ///
    /// - Throws: ``MongoError``: the server unreachable, the network, a refused login, or
    ///   the server's error for a command it rejected (`ok: 0`).
    public func command(_ json: String, database: String? = nil) throws(MongoError) -> String {
        var error = bson_error_t()
        let bytes = Array(json.utf8)
        guard let command = bytes.withUnsafeBufferPointer({ buffer in
            bson_new_from_json(buffer.baseAddress, Int(buffer.count), &error)
        }) else {
            throw MongoError(.invalidDocument, "command is not valid Extended JSON: \(MongoError(error).message)")
        }
        defer { bson_destroy(command) }
        guard let client = mongoc_client_pool_pop(pool) else {
            throw MongoError(.unreachable, "no client available from the pool")
        }
        defer { mongoc_client_pool_push(pool, client) }
        // The reply is a caller-owned bson_t that libmongoc initialises: aligned storage
        // here, bson_destroy for its contents, then the storage itself.
        let storage = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<bson_t>.size, alignment: 128)
        defer { storage.deallocate() }
        let reply = OpaquePointer(storage)
        let succeeded = mongoc_client_command_simple(client, database ?? databaseName, command, nil, reply, &error)
        defer { bson_destroy(reply) }
        guard succeeded else { throw MongoError(error) }
        var length = 0
        guard let text = bson_as_relaxed_extended_json(reply, &length) else {
            throw MongoError(.invalidDocument, "reply cannot be written as JSON")
        }
        defer { bson_free(text) }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
    }
}

@available(*, unavailable)
extension MongoClientPool: Sendable {}
