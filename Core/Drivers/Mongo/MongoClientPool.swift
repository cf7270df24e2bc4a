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

/// libmongoc and libbson, loaded the first time a pool is made.
///
/// libmongoc initialises itself when it is loaded (OpenSSL, SASL and its plugins, ICU):
/// about 8 ms that a function on the embedded store, or answering from the cache, should
/// never pay. So nothing links it: the first MongoDB pool opens it with `dlopen` and
/// resolves the few functions the driver calls. (`make package` bundles it all the same:
/// it reads the library's name from the `switchboard.dlopen=` marker in CMongoC.)
private struct Mongoc {
    typealias LogFunction = @convention(c) (Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void

    let initialize: @convention(c) () -> Void
    let setLogHandler: @convention(c) (LogFunction?, UnsafeMutableRawPointer?) -> Void
    let uriNew: @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<cmongoc_error_t>?) -> OpaquePointer?
    let uriHasOption: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Bool
    let uriSetInt32: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Bool
    let uriGetAppName: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    let uriSetAppName: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Bool
    let uriGetDatabase: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    let uriDestroy: @convention(c) (OpaquePointer?) -> Void
    let poolNew: @convention(c) (OpaquePointer?) -> OpaquePointer?
    let poolSetErrorAPI: @convention(c) (OpaquePointer?, Int32) -> Bool
    let poolDestroy: @convention(c) (OpaquePointer?) -> Void
    let poolPop: @convention(c) (OpaquePointer?) -> OpaquePointer?
    let poolPush: @convention(c) (OpaquePointer?, OpaquePointer?) -> Void
    let commandSimple: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, OpaquePointer?, OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<cmongoc_error_t>?) -> Bool
    let bsonNewFromJSON: @convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<cmongoc_error_t>?) -> OpaquePointer?
    let bsonDestroy: @convention(c) (OpaquePointer?) -> Void
    let bsonAsRelaxedJSON: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> UnsafeMutablePointer<CChar>?
    let bsonFree: @convention(c) (UnsafeMutableRawPointer?) -> Void

    /// The library's name, from the marker `make package` reads in built binaries.
    static let soname = String(String(cString: cmongoc_library_marker()).split(separator: "=").last ?? "libmongoc-1.0.so.0")

    static let shared: Result<Mongoc, MongoError> = load()

    private static func load() -> Result<Mongoc, MongoError> {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown reason"
            return .failure(MongoError(.unreachable, "cannot load \(soname) (install libmongoc-1.0-0): \(why)"))
        }
        var missing: [String] = []
        func symbol<T>(_ name: String, as type: T.Type) -> T {
            guard let address = dlsym(handle, name) else {
                missing.append(name)
                return unsafeBitCast(dlsym(handle, "mongoc_init"), to: type)  // never called: load fails below
            }
            return unsafeBitCast(address, to: type)
        }
        let library = Mongoc(
            initialize: symbol("mongoc_init", as: (@convention(c) () -> Void).self),
            setLogHandler: symbol("mongoc_log_set_handler", as: (@convention(c) (LogFunction?, UnsafeMutableRawPointer?) -> Void).self),
            uriNew: symbol("mongoc_uri_new_with_error", as: (@convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<cmongoc_error_t>?) -> OpaquePointer?).self),
            uriHasOption: symbol("mongoc_uri_has_option", as: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Bool).self),
            uriSetInt32: symbol("mongoc_uri_set_option_as_int32", as: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Bool).self),
            uriGetAppName: symbol("mongoc_uri_get_appname", as: (@convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?).self),
            uriSetAppName: symbol("mongoc_uri_set_appname", as: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Bool).self),
            uriGetDatabase: symbol("mongoc_uri_get_database", as: (@convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?).self),
            uriDestroy: symbol("mongoc_uri_destroy", as: (@convention(c) (OpaquePointer?) -> Void).self),
            poolNew: symbol("mongoc_client_pool_new", as: (@convention(c) (OpaquePointer?) -> OpaquePointer?).self),
            poolSetErrorAPI: symbol("mongoc_client_pool_set_error_api", as: (@convention(c) (OpaquePointer?, Int32) -> Bool).self),
            poolDestroy: symbol("mongoc_client_pool_destroy", as: (@convention(c) (OpaquePointer?) -> Void).self),
            poolPop: symbol("mongoc_client_pool_pop", as: (@convention(c) (OpaquePointer?) -> OpaquePointer?).self),
            poolPush: symbol("mongoc_client_pool_push", as: (@convention(c) (OpaquePointer?, OpaquePointer?) -> Void).self),
            commandSimple: symbol("mongoc_client_command_simple", as: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?, OpaquePointer?, OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<cmongoc_error_t>?) -> Bool).self),
            bsonNewFromJSON: symbol("bson_new_from_json", as: (@convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<cmongoc_error_t>?) -> OpaquePointer?).self),
            bsonDestroy: symbol("bson_destroy", as: (@convention(c) (OpaquePointer?) -> Void).self),
            bsonAsRelaxedJSON: symbol("bson_as_relaxed_extended_json", as: (@convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>?) -> UnsafeMutablePointer<CChar>?).self),
            bsonFree: symbol("bson_free", as: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self))
        guard missing.isEmpty else {
            return .failure(MongoError(.unreachable, "\(soname) lacks \(missing.joined(separator: ", "))"))
        }
        library.setLogHandler(logToStandardError, nil)
        library.initialize()
        return .success(library)
    }
}

/// libmongoc's default log handler writes to standard output, which belongs to the event
/// protocol; this one writes warnings and worse as JSON lines on standard error and drops
/// the chatter (its monitor's DEBUG lines during an outage, for instance).
private let logToStandardError: Mongoc.LogFunction = { level, domain, message, _ in
    guard level <= Int32(CMONGOC_LOG_LEVEL_WARNING) else { return }
    let name = level <= Int32(CMONGOC_LOG_LEVEL_CRITICAL) ? "ERROR" : "WARN"
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
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var parts = tm()
    var seconds = now.tv_sec
    gmtime_r(&seconds, &parts)
    var stamp = [CChar](repeating: 0, count: 32)
    strftime(&stamp, stamp.count, "%Y-%m-%dT%H:%M:%S", &parts)
    let timestamp = String(cString: stamp) + "." + String(1000 + now.tv_nsec / 1_000_000).dropFirst() + "Z"
    let line = "{\"timestamp\":\"\(timestamp)\",\"level\":\"\(name)\",\"message\":\"mongodb.driver\",\"domain\":\(quoted(domain)),\"detail\":\(quoted(message))}\n"
    _ = Array(line.utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// A pool of connections to one MongoDB deployment: the only owner of libmongoc's
/// `mongoc_uri_t` and `mongoc_client_pool_t`, and the only code touching libmongoc and
/// libbson.
///
/// Commands go in and replies come out as MongoDB Extended JSON text (relaxed), so no
/// BSON pointer leaves this file. A function process makes one pool, at start-up, and
/// every invocation borrows a client from it: connections are opened once per process.
public final class MongoClientPool {
    private let library: Mongoc
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
        let library = try Mongoc.shared.get()
        self.library = library
        var error = cmongoc_error_t()
        guard let uri = library.uriNew(uriText, &error) else {
            let reason = Self.scrub(MongoError(error).message, secretsOf: uriText)
            throw MongoError(.invalidURI, "the connection string is not valid (\(reason.prefix(120)))")
        }
        for (name, value) in Self.defaultOptions where !library.uriHasOption(uri, name) {
            _ = library.uriSetInt32(uri, name, value)
        }
        if library.uriGetAppName(uri) == nil {
            _ = library.uriSetAppName(uri, appName)
        }
        databaseName = library.uriGetDatabase(uri).map { String(cString: $0) } ?? "switchboard"
        guard let pool = library.poolNew(uri) else {
            library.uriDestroy(uri)
            throw MongoError(.invalidURI, "libmongoc refused the connection string")
        }
        _ = library.poolSetErrorAPI(pool, 2)
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
                    if let equals = option.firstIndex(of: "=") { secrets.append(option[option.index(after: equals)...]) }
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
        library.poolDestroy(pool)
        library.uriDestroy(uri)
    }

    /// Runs one database command, given as Extended JSON, and returns the server's reply
    /// as relaxed Extended JSON.
    ///
    /// - Throws: ``MongoError``: the server unreachable, the network, a refused login, or
    ///   the server's error for a command it rejected (`ok: 0`).
    public func command(_ json: String, database: String? = nil) throws(MongoError) -> String {
        var error = cmongoc_error_t()
        let bytes = Array(json.utf8)
        guard let command = bytes.withUnsafeBufferPointer({ buffer in
            library.bsonNewFromJSON(buffer.baseAddress, buffer.count, &error)
        }) else {
            throw MongoError(.invalidDocument, "command is not valid Extended JSON: \(MongoError(error).message)")
        }
        defer { library.bsonDestroy(command) }
        guard let client = library.poolPop(pool) else {
            throw MongoError(.unreachable, "no client available from the pool")
        }
        defer { library.poolPush(pool, client) }
        // The reply is a caller-owned bson_t that libmongoc initialises: aligned storage
        // here, bson_destroy for its contents, then the storage itself.
        let storage = UnsafeMutableRawPointer.allocate(byteCount: Int(CMONGOC_BSON_T_SIZE), alignment: Int(CMONGOC_BSON_T_ALIGNMENT))
        defer { storage.deallocate() }
        let reply = OpaquePointer(storage)
        let succeeded = library.commandSimple(client, database ?? databaseName, command, nil, reply, &error)
        defer { library.bsonDestroy(reply) }
        guard succeeded else { throw MongoError(error) }
        var length = 0
        guard let text = library.bsonAsRelaxedJSON(reply, &length) else {
            throw MongoError(.invalidDocument, "reply cannot be written as JSON")
        }
        defer { library.bsonFree(text) }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
    }
}

@available(*, unavailable)
extension MongoClientPool: Sendable {}
