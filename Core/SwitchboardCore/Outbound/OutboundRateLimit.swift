import Logging
import SwitchboardBase

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// At most `SWITCHBOARD_OUTBOUND_PER_MINUTE` (default 60) messages and calls per
/// company per minute, so a leaked company token cannot become a spam cannon.
///
/// Counted in Redis when `REDIS_URL` is set (one round trip), else in the store beside
/// the archive. When Redis cannot be reached, the store counts instead (each failure
/// logged), so the limit holds through an outage. A send refused by the limit is never
/// sent; the caller is told when the minute ends.
public final class OutboundRateLimit {
    /// The default number of sends a company may make in a minute.
    public static let defaultPerMinute = 60

    public let perMinute: Int
    private let redis: RedisSendCounter?
    private let ledger: any OutboundLedger

    public init(perMinute: Int, redis: RedisSendCounter?, ledger: any OutboundLedger) {
        self.perMinute = perMinute
        self.redis = redis
        self.ledger = ledger
    }

    /// `SWITCHBOARD_OUTBOUND_PER_MINUTE`: 1–100,000.
    public static func perMinute(_ environment: Environment) throws(ConfigurationError) -> Int {
        try environment.integer("SWITCHBOARD_OUTBOUND_PER_MINUTE", default: defaultPerMinute, range: 1...100_000)
    }

    /// What the limit says about one more send.
    public enum Decision: Sendable, Equatable {
        /// Go ahead: this is the minute's `count`th send.
        case allowed(count: Int)
        /// Over the limit: try again in `retryAfterSeconds`.
        case limited(retryAfterSeconds: Int)
    }

    /// Counts one more send of `companyID` at `now` and says whether it may go.
    ///
    /// - Throws: ``OutboundLedgerError`` when neither Redis nor the store can count.
    public func admit(_ companyID: CompanyID, now: Date, logger: Logger) throws(OutboundLedgerError) -> Decision {
        let seconds = Int(now.timeIntervalSince1970)
        let minute = seconds / 60
        var count: Int?
        if let redis {
            do {
                count = try redis.countSend(companyID: companyID, minute: minute)
            } catch {
                logger.warning(
                    "outbound.rate_count_fallback",
                    metadata: [
                        "company.id": "\(companyID)", "redis": "\(redis.endpoint)", "error": "\(error)",
                        "effect": "counted in the store",
                    ])
            }
        }
        let sends: Int
        if let count { sends = count } else { sends = try ledger.countSend(companyID: companyID, minute: minute) }
        guard sends <= perMinute else { return .limited(retryAfterSeconds: max(1, 60 - seconds % 60)) }
        return .allowed(count: sends)
    }
}
