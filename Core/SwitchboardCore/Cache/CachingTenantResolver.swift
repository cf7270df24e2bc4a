import Logging
import RedisDriver

/// Finds tenants cache-aside: the process's own memory first (``LocalTenantCache``,
/// kept honest by Redis's client tracking), then Redis, then the directory, filling the
/// caches with what was found (including "no such number", briefly).
///
/// A warm call costs no network round trip at all; one that the local cache cannot
/// answer costs one Redis `GET`, and no directory query when Redis has the tenant. Redis failing never fails
/// a call: the resolver goes straight to the directory (and ``ResilientRedis`` stops
/// trying Redis for a while). Counters are logged as `cache.stats` once a minute and
/// when the process ends, so an operator can see the hit ratio.
public final class CachingTenantResolver: TenantResolver {
    /// What the resolver has done since the process started.
    public struct Counters: Sendable, Equatable {
        /// Tenants (or "no such number") found in this process's memory.
        public var localHits = 0
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
    private let local: LocalTenantCache?
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
        if cache.settings.localTTLSeconds > 0 {
            let local = LocalTenantCache(settings: cache.settings, logger: logger)
            cache.localCopy = local
            self.local = local
        } else {
            self.local = nil
        }
        self.directory = directory
        self.logger = logger
        self.lastStats = clock.now
    }

    public func tenant(servingNumber number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        try resolve(RedisTenantCache.key(for: number)) { () throws(DirectoryError) in
            try directory.tenant(servingNumber: number)
        }
    }

    public func tenant(servingWhatsApp number: PhoneNumber) throws(DirectoryError) -> TenantSnapshot? {
        try resolve(RedisTenantCache.key(forWhatsApp: number)) { () throws(DirectoryError) in
            try directory.tenant(servingWhatsApp: number)
        }
    }

    public func tenant(id: CompanyID) throws(DirectoryError) -> TenantSnapshot? {
        try resolve(RedisTenantCache.key(for: id)) { () throws(DirectoryError) in try directory.tenant(id: id) }
    }

    /// Logs the counters now (the runtime calls this when the process ends).
    public func logStatistics() {
        let lookups = counters.localHits + counters.hits + counters.negativeHits + counters.misses + counters.fallbacks
        let ratio =
            lookups == 0 ? 0 : Double(counters.localHits + counters.hits + counters.negativeHits) / Double(lookups)
        logger.info(
            "cache.stats",
            metadata: [
                "local_hits": "\(counters.localHits)", "local_invalidations": "\(local?.invalidationsApplied ?? 0)",
                "hits": "\(counters.hits)", "negative_hits": "\(counters.negativeHits)", "misses": "\(counters.misses)",
                "refused_fills": "\(counters.refusedFills)", "errors": "\(counters.errors)",
                "fallbacks": "\(counters.fallbacks)",
                "hit_ratio": "\((ratio * 1_000).rounded() / 1_000)",
            ])
        lastStats = clock.now
    }

    private func resolve(
        _ key: String, from source: () throws(DirectoryError) -> TenantSnapshot?
    ) throws(DirectoryError) -> TenantSnapshot? {
        defer { if clock.now - lastStats >= Self.statsInterval { logStatistics() } }
        let tracked = local?.prepare(cache) ?? false
        if tracked, let known = local?.entry(key) {
            counters.localHits += 1
            if case .tenant(let snapshot) = known { return snapshot }
            return nil
        }
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
            if tracked { local?.store(key, entry, from: cache) }
            return snapshot
        case .noTenant:
            counters.negativeHits += 1
            if tracked { local?.store(key, entry, from: cache) }
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
                    // Not kept locally: the fill runs as a script, which Redis announces
                    // as another client's write (NOLOOP does not cover it), so the next
                    // lookup drops it anyway; it is kept from that lookup's GET.
                    if try !cache.fill(lease, with: found) { counters.refusedFills += 1 }
                } catch {
                    counters.errors += 1
                }
            }
            return found
        }
    }
}
