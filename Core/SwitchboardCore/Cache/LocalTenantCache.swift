import Logging
import RedisDriver

/// The tenants a warm Voice or SMS process has resolved, kept in its memory so a warm
/// call asks nobody, and kept honest by Redis's server-assisted client-side caching.
///
/// How it stays right:
/// - A second connection (``RedisInvalidationListener``) is subscribed to
///   `__redis__:invalidate`, and the lookup connection runs `CLIENT TRACKING on REDIRECT
///   <listener> BCAST PREFIX switchboard:v1: NOLOOP`: every change to a cache key, by
///   any client (a configuration change's deletion, a fill, an expiry, a flush), is
///   announced to the listener.
/// - Before each lookup, ``prepare(_:)`` reads those announcements without waiting and
///   forgets what they name. A write that completed before the webhook arrived has had
///   its announcement queued to this process's socket by then.
/// - Entries are used only while tracking holds: the listener still connected, and the
///   lookup connection still the one tracking was turned on for. When either is lost,
///   every entry is dropped and none is used until tracking is back (retried after 1 s,
///   doubling to 30 s). A server that refuses tracking turns the local cache off for the
///   process's life, said once in the log; lookups then go to Redis as before.
/// - An entry is kept from a Redis `GET` that hit. A lookup that missed and filled Redis
///   does not keep what it filled: the fill is a script, which Redis announces as
///   another client's write despite `NOLOOP`, so a key costs one more `GET` before it
///   is answered from memory.
/// - Every entry also expires after `SWITCHBOARD_LOCAL_CACHE_TTL_SECONDS` (60 by
///   default), a backstop against a lost announcement.
/// - Tracking is set up at the process's second lookup, not its first: a process that
///   answers one event (one-shot, or a cold start's first call) would never use an
///   entry, and the listener's connection — over TLS, a second handshake — would be
///   paid for nothing. The first lookup could not have kept its entry anyway (above).
///
/// Entries are ``TenantSnapshot``s with their tokens sealed, as Redis holds them; the
/// opened tokens live in the ``AuthTokenVault`` only.
final class LocalTenantCache {
    private struct Stored {
        let entry: RedisTenantCache.Entry
        let expires: ContinuousClock.Instant
    }

    private enum State {
        /// The process has not looked anything up yet.
        case dormant
        /// Not tracking; tried again when ``backOff`` allows.
        case untracked
        /// Tracking on the lookup connection of this generation, announced to `listener`.
        case tracking(listener: RedisInvalidationListener, generation: Int)
        /// Redis refused tracking: no local cache in this process.
        case off
    }

    private let settings: CacheSettings
    private let logger: Logger
    private let clock = ContinuousClock()
    private let ttl: Duration
    private let negativeTTL: Duration
    private let capacity: Int
    private var state: State = .dormant
    /// When tracking may be tried again after it failed: 1 s, doubling to 30 s.
    private var backOff = BackOff(first: .seconds(1), longest: .seconds(30))
    private var entries: [String: Stored] = [:]
    private var everTracked = false
    /// How many announced keys (or flushes) have been applied: for the statistics.
    private(set) var invalidationsApplied = 0

    /// A local cache for the lookups `settings` describe, holding at most `capacity` entries.
    init(settings: CacheSettings, logger: Logger, capacity: Int = 10_000) {
        self.settings = settings
        self.logger = logger
        self.ttl = .seconds(settings.localTTLSeconds)
        self.negativeTTL = .seconds(min(settings.localTTLSeconds, settings.negativeTTLSeconds))
        self.capacity = capacity
    }

    /// Brings the cache up to date before a lookup: sets tracking up if it is not (and
    /// may be tried), checks that it still holds, and applies what was announced.
    ///
    /// - Returns: whether entries may be read and stored for this lookup.
    func prepare(_ cache: RedisTenantCache) -> Bool {
        switch state {
        case .dormant:
            state = .untracked
            return false
        case .off:
            return false
        case .untracked:
            return backOff.allowsTry ? establish(cache) : false
        case .tracking(let listener, let generation):
            if generation != cache.connectionGeneration || !cache.connectionLooksOpen() {
                // Tracking belonged to a connection that is gone; whatever changed since
                // was not announced. Start afresh on the new connection.
                entries.removeAll()
                do {
                    state = .tracking(
                        listener: listener, generation: try cache.enableTracking(redirectTo: listener.clientID))
                } catch {
                    lose(error, cache: cache)
                    return false
                }
            }
            do {
                for invalidation in try listener.drain() { apply(invalidation) }
            } catch {
                lose(error, cache: cache)
                return false
            }
            return true
        }
    }

    /// What this process holds for `key`, if it is still fresh. Only after ``prepare(_:)``
    /// said yes.
    func entry(_ key: String) -> RedisTenantCache.Entry? {
        guard let stored = entries[key] else { return nil }
        guard clock.now < stored.expires else {
            entries[key] = nil
            return nil
        }
        return stored.entry
    }

    /// Keeps what a lookup learnt from Redis, if tracking has held since the lookup's
    /// ``prepare(_:)`` (the value came over the tracked connection).
    func store(_ key: String, _ entry: RedisTenantCache.Entry, from cache: RedisTenantCache) {
        guard case .tracking(_, let generation) = state, generation == cache.connectionGeneration else { return }
        let lifetime: Duration
        switch entry {
        case .tenant: lifetime = ttl
        case .noTenant: lifetime = negativeTTL
        case .leased, .absent: return
        }
        if entries.count >= capacity {
            let now = clock.now
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[key] = Stored(entry: entry, expires: clock.now + lifetime)
    }

    /// Forgets `keys` (this process deleted them; Redis does not announce a client's own
    /// writes back to it).
    func forget(_ keys: [String]) {
        for key in keys { entries[key] = nil }
    }

    private func apply(_ invalidation: RedisInvalidationListener.Invalidations) {
        switch invalidation {
        case .everything:
            entries.removeAll()
            invalidationsApplied += 1
        case .keys(let keys):
            for key in keys { entries[key] = nil }
            invalidationsApplied += keys.count
        }
    }

    private func establish(_ cache: RedisTenantCache) -> Bool {
        do {
            let listener = try RedisInvalidationListener(settings: settings)
            let generation = try cache.enableTracking(redirectTo: listener.clientID)
            entries.removeAll()
            state = .tracking(listener: listener, generation: generation)
            backOff.succeeded()
            logger.log(
                level: everTracked ? .notice : .info, "cache.local_tracking",
                metadata: [
                    "redis": "\(settings.endpoint)", "listener.client_id": "\(listener.clientID)",
                    "local_ttl_s": "\(settings.localTTLSeconds)",
                ])
            everTracked = true
            return true
        } catch  where error.kind == .server {
            entries.removeAll()
            state = .off
            logger.warning(
                "cache.local_cache_off",
                metadata: [
                    "redis": "\(settings.endpoint)", "error": "\(error)",
                    "effect": "Redis refused client tracking; every lookup asks Redis, as without a local cache",
                ])
            return false
        } catch {
            lose(error, cache: cache)
            return false
        }
    }

    /// Tracking is gone: nothing local can be trusted until it is back.
    private func lose(_ error: RedisError, cache: RedisTenantCache) {
        let wasTracking: Bool
        if case .tracking = state { wasTracking = true } else { wasTracking = false }
        let firstFailure = !everTracked && !backOff.isFailing
        entries.removeAll()
        state = .untracked
        backOff.failed()
        if wasTracking || firstFailure {
            logger.warning(
                "cache.local_tracking_lost",
                metadata: [
                    "redis": "\(settings.endpoint)", "error": "\(error)",
                    "effect": "local entries dropped; lookups ask Redis until tracking is back",
                ])
        }
    }
}

@available(*, unavailable)
extension LocalTenantCache: Sendable {}
