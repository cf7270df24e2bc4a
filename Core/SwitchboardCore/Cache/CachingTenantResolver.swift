import RedisDriver
import Logging

/// Finds tenants cache-aside: Redis first, then the directory, filling the cache with
/// what the directory said (including "no such number", briefly).
///
/// A warm call costs one Redis `GET` and no directory query. Redis failing never fails
/// a call: the resolver goes straight to the directory (and ``ResilientRedis`` stops
/// trying Redis for a while). Counters are logged as `cache.stats` once a minute and
/// when the process ends, so an operator can see the hit ratio.
public final class CachingTenantResolver: TenantResolver {
    /// What the resolver has done since the process started.
    public struct Counters: Sendable, Equatable {
        /// Tenants found in Redis.
        public var hits = 0
        /// "No such number" found in Redis.
        public var negativeHits = 0
        /// Keys Redis did not have (or another reader was filling).
        public var misses = 0
        /// Fills that were refused because the key was invalidated meanwhile.
        public var refusedFills = 0
        /// Redis failures.
        public var errors = 0
        /// Lookups answered by the directory because Redis failed.
        public var fallbacks = 0
    }

    private let cache: RedisTenantCache
    private let directory: any TenantResolver
    private let logger: Logger
    private let clock = ContinuousClock()
    private var lastStats: ContinuousClock.Instant
    /// The counters so far.
    public private(set) var counters = Counters()

    static let statsInterval: Duration = .seconds(60)

    /// A resolver asking `cache` first and `directory` on a miss.
    public init(cache: RedisTenantCache, directory: any TenantResolver, logger: Logger) {
        self.cache = cache
        self.directory = directory
        self.logger = logger
        self.lastStats = clock.now
    }

    public func tenant(servingNumber number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        try resolve(RedisTenantCache.key(for: number)) { () throws(DirectoryError) in try directory.tenant(servingNumber: number) }
    }

    public func tenant(id: CompanyID) throws(DirectoryError) -> TenantSnapshot? {
        try resolve(RedisTenantCache.key(for: id)) { () throws(DirectoryError) in try directory.tenant(id: id) }
    }

    /// Logs the counters now (the runtime calls this when the process ends).
    public func logStatistics() {
        let lookups = counters.hits + counters.negativeHits + counters.misses + counters.fallbacks
        let ratio = lookups == 0 ? 0 : Double(counters.hits + counters.negativeHits) / Double(lookups)
        logger.info("cache.stats", metadata: [
            "hits": "\(counters.hits)", "negative_hits": "\(counters.negativeHits)", "misses": "\(counters.misses)",
            "refused_fills": "\(counters.refusedFills)", "errors": "\(counters.errors)", "fallbacks": "\(counters.fallbacks)",
            "hit_ratio": "\((ratio * 1_000).rounded() / 1_000)",
        ])
        lastStats = clock.now
    }

    private func resolve(
        _ key: String, from source: () throws(DirectoryError) -> TenantSnapshot?
    ) throws(DirectoryError) -> TenantSnapshot? {
        defer { if clock.now - lastStats >= Self.statsInterval { logStatistics() } }
        let entry: RedisTenantCache.Entry
        do {
            entry = try cache.entry(key)
        } catch {
            counters.errors += 1
            counters.fallbacks += 1
            return try source()
        }
        switch entry {
        case .tenant(let snapshot):
            counters.hits += 1
            return snapshot
        case .noTenant:
            counters.negativeHits += 1
            return nil
        case .leased:
            counters.misses += 1
            return try source()
        case .absent:
            counters.misses += 1
            // Lease first, then read: see RedisTenantCache for why the order matters.
            let lease: RedisTenantCache.Lease?
            do { lease = try cache.lease(key) } catch {
                counters.errors += 1
                lease = nil
            }
            let found = try source()
            if let lease {
                do {
                    if try !cache.fill(lease, with: found) { counters.refusedFills += 1 }
                } catch {
                    counters.errors += 1
                }
            }
            return found
        }
    }
}
