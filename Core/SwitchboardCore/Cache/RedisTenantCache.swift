import Logging
import RedisDriver

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The phone → tenant cache in Redis, with leases so that an invalidation can never be
/// undone by a reader that read the directory before the change.
///
/// Keys are `switchboard:v1:number:<E.164>` and `switchboard:v1:company:<id>`. A value
/// is one of:
/// - `T<json>`: the ``TenantSnapshot`` (its auth token sealed, as in the directory);
/// - `N`: "no tenant answers this number" (kept briefly: negative caching);
/// - `L<token>`: a lease: some reader is filling this key.
///
/// The sequence (after "Scaling Memcache at Facebook", NSDI 2013, §3.2.1):
///
///     reader                                   writer (a config change)
///     GET key → nothing
///     SET key L<t> NX PX 5000  → OK (lease)
///     read the directory → old document
///                                              commit the new document
///                                              DEL key            (lease gone)
///     fill: if GET key == L<t> then SET key T… → refused: key no longer holds L<t>
///
/// A writer deletes every key it touched only *after* its directory write committed,
/// and a fill succeeds only while its own lease is still in place. So any fill that
/// lands after a deletion was leased after it, and so read the directory after the
/// commit: no stale value is ever put back. A reader that finds another's lease reads
/// the directory without filling. A writer that dies between its commit and its
/// deletion leaves the old value for at most the TTL.
public final class RedisTenantCache: TenantCacheInvalidating {
    /// A reader's right to fill one key.
    public struct Lease: Sendable, Equatable {
        let key: String
        let token: String
    }

    /// What a key held.
    public enum Entry: Sendable, Equatable {
        case tenant(TenantSnapshot)
        case noTenant
        /// Another reader holds the key's lease.
        case leased
        case absent
    }

    static let leaseMilliseconds = 5_000
    /// Compare-and-set: set the value only if the key still holds our lease.
    static let fillScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
          return 1
        end
        return 0
        """

    private let redis: ResilientRedis
    /// Where the cache is and how long it keeps entries.
    public let settings: CacheSettings
    private let logger: Logger
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    private let decoder = JSONDecoder()
    /// Values already decoded, by their exact text (a hit on a known value skips JSON).
    private var decoded: [String: TenantSnapshot] = [:]

    /// A cache on the Redis that `settings` names, connected now (once per process).
    public init(settings: CacheSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.redis = ResilientRedis(settings: settings, logger: logger)
    }

    /// What every key of the cache starts with: the prefix client tracking watches.
    public static let keyPrefix = "switchboard:v1:"

    /// A process-local copy to keep in step with this process's own deletions, which
    /// Redis does not announce back to it (tracking is set up with `NOLOOP`).
    weak var localCopy: LocalTenantCache?

    /// Counts the connections this cache has opened to Redis; it changes when the
    /// connection is replaced, and tracking set up on the old one is gone with it.
    var connectionGeneration: Int { redis.generation }

    /// False when there is no connection now, or the server has closed it (checked
    /// without sending anything).
    func connectionLooksOpen() -> Bool { redis.dropIfClosedByServer() }

    /// Asks Redis to announce every change to a key of the cache to the client
    /// `listenerID` (the invalidation connection): `CLIENT TRACKING on REDIRECT <id>
    /// BCAST PREFIX switchboard:v1: NOLOOP`, on the connection lookups use.
    ///
    /// Tracking already on (for a listener that was lost) is turned off first: Redis
    /// refuses a second `PREFIX` that overlaps the first.
    ///
    /// - Returns: the ``connectionGeneration`` tracking now holds for.
    /// - Throws: ``RedisError``; kind `.server` when Redis refuses tracking.
    func enableTracking(redirectTo listenerID: Int64) throws(RedisError) -> Int {
        try redis.run { connection throws(RedisError) in
            if case .error(let message) = try connection.command(["CLIENT", "TRACKING", "off"]) {
                throw RedisError(.server, message)
            }
            let reply = try connection.command([
                "CLIENT", "TRACKING", "on", "REDIRECT", String(listenerID), "BCAST", "PREFIX", Self.keyPrefix, "NOLOOP",
            ])
            switch reply {
            case .status("OK"): return redis.generation
            case .error(let message): throw RedisError(.server, message)
            default: throw RedisError(.unexpectedReply, "CLIENT TRACKING answered \(reply)")
            }
        }
    }

    /// The key for a number.
    public static func key(for number: PhoneNumber) -> String { keyPrefix + "number:" + number.e164 }
    /// The key for a WhatsApp sender.
    public static func key(forWhatsApp number: PhoneNumber) -> String { keyPrefix + "whatsapp:" + number.e164 }
    /// The key for a company id.
    public static func key(for id: CompanyID) -> String { keyPrefix + "company:" + id.rawValue }

    /// What `key` holds: one `GET`.
    public func entry(_ key: String) throws(RedisError) -> Entry {
        let reply = try redis.run { connection throws(RedisError) in try connection.command(["GET", key]) }
        switch reply {
        case .null:
            return .absent
        case .string(let bytes):
            if bytes.first == UInt8(ascii: "T") {
                let text = String(decoding: bytes, as: UTF8.self)
                if let snapshot = decoded[text] { return .tenant(snapshot) }
                let entry = try Self.read(bytes, at: key, decoder: decoder)
                if case .tenant(let snapshot) = entry {
                    if decoded.count >= 512 { decoded.removeAll(keepingCapacity: true) }
                    decoded[text] = snapshot
                }
                return entry
            }
            return try Self.read(bytes, at: key, decoder: decoder)
        case .error(let message):
            throw RedisError(.server, message)
        default:
            throw RedisError(.unexpectedReply, "GET answered neither a value nor nothing")
        }
    }

    /// What a stored value says: `T` and a tenant's JSON, `N` (no company has the number)
    /// or `L` (someone is filling it).
    ///
    /// - Throws: ``RedisError`` (`unexpectedReply`) for anything else, naming `key`.
    @_spi(Fuzzing) public static func read(_ bytes: [UInt8], at key: String, decoder: JSONDecoder) throws(RedisError)
        -> Entry
    {
        guard let marker = bytes.first else { throw RedisError(.unexpectedReply, "empty value at \(key)") }
        switch marker {
        case UInt8(ascii: "T"):
            guard let snapshot = try? decoder.decode(TenantSnapshot.self, from: Data(bytes.dropFirst())) else {
                throw RedisError(.unexpectedReply, "unreadable tenant value at \(key)")
            }
            return .tenant(snapshot)
        case UInt8(ascii: "N"): return .noTenant
        case UInt8(ascii: "L"): return .leased
        default: throw RedisError(.unexpectedReply, "unknown value at \(key)")
        }
    }

    /// How long `key` has left, in milliseconds: `nil` when it does not exist or never
    /// expires. `PTTL`.
    public func remainingMilliseconds(_ key: String) throws(RedisError) -> Int? {
        let reply = try redis.run { connection throws(RedisError) in try connection.command(["PTTL", key]) }
        guard case .integer(let milliseconds) = reply else {
            throw RedisError(.unexpectedReply, "PTTL answered \(reply)")
        }
        return milliseconds >= 0 ? Int(milliseconds) : nil
    }

    /// Takes the lease on an absent key, or returns `nil` when someone else got there
    /// first. `SET key L<token> NX PX 5000`.
    public func lease(_ key: String) throws(RedisError) -> Lease? {
        var random = SystemRandomNumberGenerator()
        let token = (0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }.lowercaseHex
        let reply = try redis.run { connection throws(RedisError) in
            try connection.command(["SET", key, "L" + token, "NX", "PX", String(Self.leaseMilliseconds)])
        }
        switch reply {
        case .status("OK"): return Lease(key: key, token: "L" + token)
        case .null: return nil
        case .error(let message): throw RedisError(.server, message)
        default: throw RedisError(.unexpectedReply, "SET NX answered \(reply)")
        }
    }

    /// Fills a leased key with `tenant` (or "no tenant"), if the lease is still held.
    ///
    /// - Returns: false when the lease was lost (an invalidation came first).
    @discardableResult
    public func fill(_ lease: Lease, with tenant: TenantSnapshot?) throws(RedisError) -> Bool {
        let value: String
        let ttl: Int
        if let tenant {
            guard let json = try? encoder.encode(tenant) else {
                throw RedisError(.unexpectedReply, "cannot encode tenant")
            }
            value = "T" + String(decoding: json, as: UTF8.self)
            ttl = settings.ttlSeconds * 1_000
        } else {
            value = "N"
            ttl = settings.negativeTTLSeconds * 1_000
        }
        let reply = try redis.run { connection throws(RedisError) in
            try connection.command(["EVAL", Self.fillScript, "1", lease.key, lease.token, value, String(ttl)])
        }
        switch reply {
        case .integer(let filled): return filled == 1
        case .error(let message): throw RedisError(.server, message)
        default: throw RedisError(.unexpectedReply, "fill answered \(reply)")
        }
    }

    /// Deletes `keys` (values and leases alike): one `DEL`.
    public func delete(_ keys: [String]) throws(RedisError) {
        guard !keys.isEmpty else { return }
        localCopy?.forget(keys)
        let reply = try redis.run { connection throws(RedisError) in try connection.command(["DEL"] + keys) }
        if case .error(let message) = reply { throw RedisError(.server, message) }
    }

    public func invalidate(companyID: CompanyID, numbers: Set<PhoneNumber>) -> Bool {
        let keys =
            [Self.key(for: companyID)] + numbers.sorted().flatMap { [Self.key(for: $0), Self.key(forWhatsApp: $0)] }
        do {
            try delete(keys)
            return true
        } catch {
            logger.error(
                "cache.invalidation_failed",
                metadata: [
                    "company.id": "\(companyID)", "keys": "\(keys.count)", "error": "\(error)",
                    "effect": "old settings may be served until the cache TTL (\(settings.ttlSeconds) s) ends",
                ])
            return false
        }
    }
}

/// Something that forgets what it cached about a company when its settings change.
public protocol TenantCacheInvalidating: AnyObject {
    /// Forgets the company and every number in `numbers`; false when it could not.
    func invalidate(companyID: CompanyID, numbers: Set<PhoneNumber>) -> Bool
}
