import Logging
import RedisDriver

/// A Redis connection that a failure never makes anyone wait on twice.
///
/// It connects at construction (once per process) and keeps the connection for every
/// later call. When Redis fails (down, slow past the command timeout, answering garbage)
/// the connection is dropped and, for a back-off period (1 s, doubling to 30 s), calls
/// fail at once without touching the network; after it, the next call reconnects. Each
/// failure is logged, but at most once a minute, with how many were not logged.
final class ResilientRedis {
    private let settings: CacheSettings
    private let logger: Logger
    private let clock = ContinuousClock()
    private var connection: RedisConnection?
    private var backOff = BackOff(first: ResilientRedis.firstBackoff, longest: ResilientRedis.longestBackoff)
    private var lastFailureLog: ContinuousClock.Instant?
    private var unloggedFailures = 0
    /// Counts the connections opened: a new number means a new connection, on which
    /// nothing set on the old one (client tracking) holds.
    private(set) var generation = 0
    /// Whether a connection is open now (it may still turn out broken on its next use).
    var isConnected: Bool { connection != nil }

    static let firstBackoff: Duration = .seconds(1)
    static let longestBackoff: Duration = .seconds(30)
    static let failureLogInterval: Duration = .seconds(60)

    init(settings: CacheSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        settings.warnIfInsecure(logger)
        _ = try? connectIfNeeded()
    }

    /// Runs `body` on the connection, connecting first if needed and allowed.
    ///
    /// - Throws: ``RedisError`` when Redis is in back-off, cannot be reached, or fails.
    func run<T>(_ body: (RedisConnection) throws(RedisError) -> T) throws(RedisError) -> T {
        let connection = try connectIfNeeded()
        do {
            let result = try body(connection)
            backOff.succeeded()
            return result
        } catch {
            if connection.isBroken || error.kind == .connection || error.kind == .protocolError {
                drop(after: error)
            }
            throw error
        }
    }

    private func connectIfNeeded() throws(RedisError) -> RedisConnection {
        if let connection { return connection }
        guard backOff.allowsTry else {
            throw RedisError(.connection, "not tried: Redis failed recently; retrying after the back-off")
        }
        do {
            let opened = try RedisConnection(
                endpoint: settings.endpoint,
                connectTimeoutMilliseconds: settings.connectTimeoutMilliseconds,
                commandTimeoutMilliseconds: settings.commandTimeoutMilliseconds)
            if backOff.isFailing {
                logger.notice("cache.redis_reconnected", metadata: ["redis": "\(settings.endpoint)"])
            }
            connection = opened
            generation += 1
            return opened
        } catch {
            drop(after: error)
            throw error
        }
    }

    /// Drops the connection if the server has closed it (an idle timeout, `CLIENT
    /// KILL`, a restart) or sent something unasked, without waiting and without sending
    /// anything; the next call reconnects at once. True while the connection looks usable.
    func dropIfClosedByServer() -> Bool {
        guard let connection else { return false }
        guard connection.hasUnreadInput() else { return true }
        self.connection = nil
        logger.notice(
            "cache.redis_connection_closed",
            metadata: [
                "redis": "\(settings.endpoint)", "effect": "reconnecting on the next lookup",
            ])
        return false
    }

    private func drop(after error: RedisError) {
        connection = nil
        backOff.failed()
        unloggedFailures += 1
        if let last = lastFailureLog, clock.now - last < Self.failureLogInterval { return }
        logger.warning(
            "cache.redis_unavailable",
            metadata: [
                "redis": "\(settings.endpoint)", "error": "\(error)", "failures": "\(unloggedFailures)",
                "effect": "tenants are read from the directory until Redis answers again",
            ])
        lastFailureLog = clock.now
        unloggedFailures = 0
    }
}
