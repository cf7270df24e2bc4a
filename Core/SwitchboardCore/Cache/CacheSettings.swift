import Logging
import RedisDriver
import SwitchboardBase
import Synchronization
import TLSDriver

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the phone → tenant cache reaches Redis and how long it keeps entries.
///
/// | variable | meaning |
/// |---|---|
/// | `REDIS_URL` | `redis://[user:password@]host:port[/db]`, `rediss://…` (TLS) or `unix:<socket path>[?db=N]`; unset: no cache |
/// | `SWITCHBOARD_REDIS_CA_FILE` | with `rediss://`: a PEM file of the authorities that may sign the server's certificate (default: the system's CA bundle) |
/// | `SWITCHBOARD_REDIS_TLS_INSECURE` | `1`: with `rediss://`, no certificate or name check — local tests only, warned about at every start |
/// | `SWITCHBOARD_REDIS_CONNECT_TIMEOUT_MS` | connecting may take this long (``connectTimeout``) |
/// | `SWITCHBOARD_REDIS_COMMAND_TIMEOUT_MS` | one command may take this long (``commandTimeout``) |
/// | `SWITCHBOARD_CACHE_TTL_SECONDS` | how long a found tenant is kept (``ttl``) |
/// | `SWITCHBOARD_CACHE_NEGATIVE_TTL_SECONDS` | how long "no such number" is kept (``negativeTTL``) |
/// | `SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS` | how long a warm process keeps a tenant in its own memory; 0: no local cache (``localTTL``) |
///
/// Each number's default and range is stated once, in its ``NumericSetting``.
public struct CacheSettings: Sendable, Equatable {
    /// A whole-number setting: its variable, its default and the values it may take.
    public struct NumericSetting: Sendable {
        public let variable: String
        public let defaultValue: Int
        public let range: ClosedRange<Int>

        /// The value `environment` gives, or the default.
        ///
        /// - Throws: ``ConfigurationError`` naming the variable when it is not a whole
        ///   number in range.
        func read(_ environment: Environment) throws(ConfigurationError) -> Int {
            try environment.integer(variable, default: defaultValue, range: range)
        }
    }

    public static let connectTimeout = NumericSetting(
        variable: "SWITCHBOARD_REDIS_CONNECT_TIMEOUT_MS", defaultValue: 200, range: 1...60_000)
    public static let commandTimeout = NumericSetting(
        variable: "SWITCHBOARD_REDIS_COMMAND_TIMEOUT_MS", defaultValue: 100, range: 1...60_000)
    public static let ttl = NumericSetting(
        variable: "SWITCHBOARD_CACHE_TTL_SECONDS", defaultValue: 300, range: 1...86_400)
    public static let negativeTTL = NumericSetting(
        variable: "SWITCHBOARD_CACHE_NEGATIVE_TTL_SECONDS", defaultValue: 30, range: 1...3_600)
    public static let localTTL = NumericSetting(
        variable: "SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS", defaultValue: 60, range: 0...3_600)

    public var endpoint: RedisEndpoint
    public var connectTimeoutMilliseconds = connectTimeout.defaultValue
    public var commandTimeoutMilliseconds = commandTimeout.defaultValue
    public var ttlSeconds = ttl.defaultValue
    public var negativeTTLSeconds = negativeTTL.defaultValue
    /// The local cache's backstop expiry; 0 turns the local cache off.
    public var localTTLSeconds = localTTL.defaultValue

    public init(endpoint: RedisEndpoint) {
        self.endpoint = endpoint
    }

    /// The cache settings, or `nil` when `REDIS_URL` is not set. Every cache setting is
    /// checked either way: a malformed one stops the function even while no cache is used.
    ///
    /// - Throws: ``ConfigurationError`` naming the variable that is wrong.
    public static func fromEnvironment(_ environment: Environment) throws(ConfigurationError) -> CacheSettings? {
        let connectTimeoutMilliseconds = try connectTimeout.read(environment)
        let commandTimeoutMilliseconds = try commandTimeout.read(environment)
        let ttlSeconds = try ttl.read(environment)
        let negativeTTLSeconds = try negativeTTL.read(environment)
        let localTTLSeconds = try localTTL.read(environment)
        let caFile = environment["SWITCHBOARD_REDIS_CA_FILE"]
        let insecure: Bool
        switch environment["SWITCHBOARD_REDIS_TLS_INSECURE"] {
        case nil, "0": insecure = false
        case "1": insecure = true
        default:
            throw ConfigurationError(
                variable: "SWITCHBOARD_REDIS_TLS_INSECURE",
                problem: "must be 1 (no certificate check, local tests only) or 0")
        }
        guard let url = environment["REDIS_URL"] else { return nil }
        var endpoint = try parseURL(url)
        if endpoint.tls != nil {
            if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                throw ConfigurationError(
                    variable: "SWITCHBOARD_REDIS_CA_FILE", problem: "names \(caFile.prefix(200)), which cannot be read")
            }
            endpoint.tls = TLSSettings(caFile: caFile, verifiesPeer: !insecure)
        } else if caFile != nil || insecure {
            throw ConfigurationError(
                variable: caFile != nil ? "SWITCHBOARD_REDIS_CA_FILE" : "SWITCHBOARD_REDIS_TLS_INSECURE",
                problem: "is set, but REDIS_URL is not a rediss:// URL (TLS)")
        }
        var settings = CacheSettings(endpoint: endpoint)
        settings.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        settings.commandTimeoutMilliseconds = commandTimeoutMilliseconds
        settings.ttlSeconds = ttlSeconds
        settings.negativeTTLSeconds = negativeTTLSeconds
        settings.localTTLSeconds = localTTLSeconds
        return settings
    }

    /// Parses a `REDIS_URL`. Errors never repeat the password.
    public static func parseURL(_ text: String) throws(ConfigurationError) -> RedisEndpoint {
        func fail(_ problem: String) -> ConfigurationError {
            ConfigurationError(variable: "REDIS_URL", problem: problem)
        }
        if text.hasPrefix("unix:") {
            var path = String(text.dropFirst("unix:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            var database = 0
            if let question = path.firstIndex(of: "?") {
                let query = path[path.index(after: question)...]
                path = String(path[..<question])
                guard query.hasPrefix("db="), let number = Int(query.dropFirst(3)), (0...15).contains(number) else {
                    throw fail("unix: URLs take only ?db=<0-15>")
                }
                database = number
            }
            guard path.hasPrefix("/") else { throw fail("unix: needs an absolute socket path") }
            return RedisEndpoint(address: .unix(path: path), database: database)
        }
        let secure = text.hasPrefix("rediss://")
        guard secure || text.hasPrefix("redis://") else {
            throw fail("must be redis://host:port[/db], rediss://host:port[/db] (TLS) or unix:<socket path>")
        }
        var rest = Substring(text.dropFirst(secure ? "rediss://".count : "redis://".count))
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                username = credentials[..<colon].isEmpty ? nil : String(credentials[..<colon]).removingPercentEscapes()
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEscapes()
            } else if !credentials.isEmpty {
                password = String(credentials).removingPercentEscapes()
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let number = Int(path), (0...15).contains(number) else {
                    throw fail("has a database that is not 0-15")
                }
                database = number
            }
        }
        var host = String(rest)
        var port = 6379
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("]") {
            host = String(rest[..<colon])
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(number) else {
                throw fail("has a port that is not 1-65535")
            }
            port = number
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("?") else { throw fail("has no host") }
        return RedisEndpoint(
            address: .tcp(host: host, port: port), username: username, password: password, database: database,
            tls: secure ? TLSSettings() : nil)
    }

    /// Logs, once per process, that the server's certificate is not checked
    /// (`SWITCHBOARD_REDIS_TLS_INSECURE=1`).
    public func warnIfInsecure(_ logger: Logger) {
        guard let tls = endpoint.tls, !tls.verifiesPeer,
            Self.insecureWarned.withLock({ warned in
                defer { warned = true }
                return !warned
            })
        else { return }
        logger.warning(
            "cache.redis_tls_insecure",
            metadata: [
                "redis": "\(endpoint)", "setting": "SWITCHBOARD_REDIS_TLS_INSECURE=1",
                "effect":
                    "the server's certificate and name are not checked: anyone on the path can read and change the cache; for local tests only",
            ])
    }

    private static let insecureWarned = Mutex(false)

    /// How the connection to Redis is protected, in words: `none` (plain TCP or a Unix
    /// socket), `tls` (the certificate and name checked) or `tls-unverified`.
    public var transportSecurity: String {
        guard let tls = endpoint.tls else { return "none" }
        return tls.verifiesPeer ? "tls" : "tls-unverified"
    }
}

extension String {
    /// `%XX` escapes decoded (for passwords in URLs); the text itself when they do not decode.
    func removingPercentEscapes() -> String {
        guard contains("%") else { return self }
        return (try? FormParameters.unescape(Array(utf8), plusIsSpace: false)) ?? self
    }
}
