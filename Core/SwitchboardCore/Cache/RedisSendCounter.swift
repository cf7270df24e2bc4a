import Logging
import RedisDriver

/// How many messages and calls each company sent in each minute, counted in Redis: one
/// key per company and minute (`switchboard:outbound:<companyId>:<minute>`, outside the
/// prefix the tenant cache's invalidations watch), incremented and given a two-minute
/// expiry by one script, so counting costs one round trip and leaves nothing behind.
public final class RedisSendCounter {
    static let script = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
        return count
        """

    private let redis: ResilientRedis
    /// Where the counts are, for log lines (never the password).
    public let endpoint: String

    /// A counter on the Redis `settings` names (connected now, as the cache is).
    public init(settings: CacheSettings, logger: Logger) {
        redis = ResilientRedis(settings: settings, logger: logger)
        endpoint = "\(settings.endpoint)"
    }

    /// Counts one more send of company `companyID` in `minute` (minutes since 1970) and
    /// returns the minute's count so far.
    ///
    /// - Throws: ``RedisError`` when Redis cannot be reached or fails.
    public func countSend(companyID: CompanyID, minute: Int) throws(RedisError) -> Int {
        let key = "switchboard:outbound:\(companyID.rawValue):\(minute)"
        let reply = try redis.run { connection throws(RedisError) in
            try connection.command(["EVAL", Self.script, "1", key, "120"])
        }
        switch reply {
        case .integer(let count): return Int(count)
        case .error(let message): throw RedisError(.server, "the send count: \(message)")
        default: throw RedisError(.unexpectedReply, "the send count: an answer that is not a number")
        }
    }
}
